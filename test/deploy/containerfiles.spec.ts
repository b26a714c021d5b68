import { readFile } from 'node:fs/promises';
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
      expect(JSON.parse(/^ENTRYPOINT (.+)$/m.exec(finalStage)?.[1] ?? '[]')).toEqual([
        'node',
        '--enable-source-maps',
        `apps/${app}/dist/main.js`,
      ]);
    },
  );
});
