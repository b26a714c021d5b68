import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';
import { workspaceManifests } from '../workspace-manifests.js';

const APPS = ['hub', 'spoke-agent'] as const;
const read = () => readFile(join(REPO_ROOT, 'deploy', 'Containerfile'), 'utf8');

/** The instructions of one stage: from its FROM line to the next. */
function stage(text: string, name: string): string {
  const start = text.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
  if (start < 0) throw new Error(`no stage ${name}`);
  const next = text.slice(start + 1).search(/^FROM /m);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

describe('deploy/Containerfile', () => {
  it('bases every stage but the OLM bundle on the official image of the Node.js LTS in .node-version, overridable with NODE_IMAGE', async () => {
    const text = await read();
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
    const pinned = (await readFile(join(REPO_ROOT, '.node-version'), 'utf8')).trim();
    expect(image).toBe(`docker.io/library/node:${pinned}-slim`);
    expect([...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'scratch bundle',
      '${NODE_IMAGE} manifests',
      '${NODE_IMAGE} deps',
      '${NODE_IMAGE} dist',
      '${NODE_IMAGE} runtime',
      'runtime hub',
      'runtime spoke-agent',
      'runtime must-gather',
    ]);
  });

  it('must-gather: runs the gatherer of the hub build as /usr/bin/gather, as a non-root user', async () => {
    const text = stage(await read(), 'must-gather');
    expect(text).toContain('ln -s /app/apps/hub/dist/must-gather/main.js /usr/bin/gather');
    expect(JSON.parse(/^CMD (.+)$/m.exec(text)?.[1] ?? '[]')).toEqual(['/usr/bin/gather']);
    expect([...text.matchAll(/^USER (\S+)$/gm)].at(-1)?.[1]).toBe('1000:1000');
    const main = await readFile(join(REPO_ROOT, 'apps/hub/src/must-gather/main.ts'), 'utf8');
    expect(main.split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it.each(APPS)(
    '%s: installs production dependencies only and runs its build output as a non-root user',
    async (app) => {
      const text = await read();
      expect(stage(text, 'deps')).toMatch(/npm ci --omit=dev /);
      expect(/^USER (\d+):(\d+)$/m.exec(stage(text, 'runtime'))?.slice(1).map(Number)).toEqual([1000, 1000]);
      const [command, ...args] = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(stage(text, app))?.[1] ?? '[]') as string[];
      expect(command).toBe('node');
      expect(args.at(-1)).toBe(`apps/${app}/dist/main.js`);
      for (const flag of args.slice(0, -1)) expect(flag).toMatch(/^--[a-z-]+(=\d+)?$/);
    },
  );

  it('keeps @kubernetes/client-node out of the images: product code imports only its types', async () => {
    const offenders: string[] = [];
    for (const root of ['apps', 'libs']) {
      for (const entry of await readdir(join(REPO_ROOT, root), { recursive: true })) {
        const file = String(entry);
        if (!/\/src\/.*\.ts$/.test(file) || /\.(spec|testing)\.ts$/.test(file) || file.includes('node_modules'))
          continue;
        const text = await readFile(join(REPO_ROOT, root, file), 'utf8');
        for (const m of text.matchAll(/^import (type )?[^;]*from '@kubernetes\/client-node';/gm)) {
          if (m[1] === undefined) offenders.push(`${root}/${file}: ${m[0].split('\n')[0]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
    // npm ci --omit=dev installs the dependencies of every workspace, so none may list it there.
    for (const { dir, manifest } of await workspaceManifests()) {
      expect(manifest.dependencies?.['@kubernetes/client-node'], `${dir}/package.json`).toBeUndefined();
    }
  });
});
