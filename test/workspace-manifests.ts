import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../deploy/scripts/kustomize.mjs';

export interface PackageManifest {
  name: string;
  engines?: { node?: string };
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The root package.json and each workspace's (the root's `workspaces` globs are `dir/*` or plain folders). */
export async function workspaceManifests(): Promise<{ dir: string; manifest: PackageManifest }[]> {
  const read = async (dir: string) =>
    JSON.parse(await readFile(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as PackageManifest;
  const root = await read('.');
  const out = [{ dir: '.', manifest: root }];
  for (const pattern of root.workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? (await readdir(join(REPO_ROOT, pattern.slice(0, -2)), { withFileTypes: true }))
          .filter((e) => e.isDirectory())
          .map((e) => `${pattern.slice(0, -2)}/${e.name}`)
      : [pattern];
    for (const dir of dirs.toSorted()) out.push({ dir, manifest: await read(dir) });
  }
  return out;
}
