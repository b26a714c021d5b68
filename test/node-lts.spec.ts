import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../deploy/scripts/kustomize.mjs';
import { workspaceManifests } from './workspace-manifests.js';

/** The exact Node.js release that the images ship and the tests run on: `.node-version`. */
async function pinnedNode(): Promise<{ version: string; major: number; minor: number }> {
  const version = (await readFile(join(REPO_ROOT, '.node-version'), 'utf8')).trim();
  const [major, minor] = version.split('.').map(Number);
  return { version, major: major!, minor: minor! };
}

describe('the Node.js LTS of .node-version', () => {
  it('is an exact release of an LTS line (LTS lines are the even majors)', async () => {
    const { version, major } = await pinnedNode();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major % 2).toBe(0);
  });

  it('is a release that Node.js itself marks LTS (process.release.lts names its line)', () => {
    // A "Current" release of an even major (such as 26.12.1, before its line entered LTS) has no codename, and
    // libraries such as oidc-provider warn that the runtime is unsupported.
    expect(process.release.lts, `Node ${process.versions.node} is not an LTS release`).toMatch(/^[A-Z][a-z]+$/);
  });

  it('runs these tests, and so the hub and agents they spawn with process.execPath', async () => {
    const { version, major } = await pinnedNode();
    expect(
      Number(process.versions.node.split('.')[0]),
      `tests run on Node ${process.versions.node} (${process.execPath}), not on the LTS ${version}: ` +
        'start them with npm test / npm run test:unit, or scripts/with-node.sh',
    ).toBe(major);
  });

  it('is the minimum that every package.json states in engines', async () => {
    const { major, minor } = await pinnedNode();
    for (const { dir, manifest } of await workspaceManifests()) {
      expect(manifest.engines?.node, `${dir}/package.json engines.node`).toBe(`>=${major}.${minor}`);
    }
  });
});
