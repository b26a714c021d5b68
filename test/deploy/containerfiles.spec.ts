import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';

const APPS = ['hub', 'spoke-agent'] as const;
const read = (app: string) => readFile(join(REPO_ROOT, 'deploy', app, 'Containerfile'), 'utf8');

describe('deploy/*/Containerfile', () => {
  it('defaults every stage to the same official Node.js LTS image, overridable with NODE_IMAGE', async () => {
    const defaults = new Set<string>();
    for (const app of APPS) {
      const text = await read(app);
      const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
      defaults.add(image);
      // LTS lines are the even majors.
      expect(Number(/^docker\.io\/library\/node:(\d+)-slim$/.exec(image)?.[1]) % 2, image).toBe(0);
      expect([...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(Array(4).fill('${NODE_IMAGE}'));
    }
    expect(defaults.size).toBe(1);
  });

  it.each(APPS)(
    '%s: installs production dependencies only and runs its build output as a non-root user',
    async (app) => {
      const text = await read(app);
      const finalStage = text.slice(text.lastIndexOf('\nFROM '));

      expect(text).toMatch(/npm ci --omit=dev /);
      expect(/^USER (\d+):(\d+)$/m.exec(finalStage)?.slice(1).map(Number)).toEqual([1000, 1000]);
      const [command, ...args] = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(finalStage)?.[1] ?? '[]') as string[];
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
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.dependencies['@kubernetes/client-node']).toBeUndefined();
    expect(manifest.devDependencies['@kubernetes/client-node']).toBeDefined();
  });
});
