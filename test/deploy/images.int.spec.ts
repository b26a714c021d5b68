import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';
import { Buildah, buildLocalNodeImage } from './buildah.js';

const BASE_IMAGE = 'localhost/kmm-node-base:test';
const MB = 1024 * 1024;

const IMAGES = [
  ['hub', 'kmm-hub: Kernel Module Management hub'],
  ['spoke-agent', 'kmm-spoke-agent: applies KMM-Hub ManifestWorks'],
] as const;

describe('deploy/Containerfile built with buildah', () => {
  let buildah: Buildah;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kmm-deploy-images-'));
    buildah = new Buildah(workDir);
    await buildah.init();
    await buildLocalNodeImage(buildah, BASE_IMAGE);
  }, 120_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it.each(IMAGES)(
    '%s: builds from the workspace build output and prints its usage on --help as a non-root user',
    async (app, usage) => {
      expect(existsSync(join(REPO_ROOT, `apps/${app}/dist/main.js`)), 'run npm run build first').toBe(true);
      const tag = `localhost/kmm-${app}:test`;

      await buildah.exec(
        [
          'bud',
          '--pull=never',
          '--build-arg',
          `NODE_IMAGE=${BASE_IMAGE}`,
          '-f',
          'deploy/Containerfile',
          '--target',
          app,
          '-t',
          tag,
          '.',
        ],
        REPO_ROOT,
      );

      const image = await buildah.inspect(tag);
      const base = await buildah.inspect(BASE_IMAGE);
      expect(image.config.User).toBe('1000:1000');
      expect(image.config.Env).toContain('NODE_ENV=production');
      const entrypoint = image.config.Entrypoint ?? [];
      expect(await buildah.runIn(tag, [...entrypoint, '--help'])).toContain(usage);
      expect(await buildah.runIn(tag, ['node', '-p', 'process.getuid()'])).toBe('1000\n');
      // Production dependencies only: no compiler, test runner or linter, and what is there is small.
      const devTools = ['typescript', 'vitest', 'oxlint', 'prettier', 'supertest'].map((d) => `node_modules/${d}`);
      const present = await buildah.runIn(tag, [
        'node',
        '-p',
        `${JSON.stringify(devTools)}.filter((p) => require('node:fs').existsSync(p)).join(',')`,
      ]);
      expect(present.trim()).toBe('');
      const added = image.layerSizes.slice(base.layerSizes.length).reduce((a, b) => a + b, 0);
      expect(image.layerSizes.slice(0, base.layerSizes.length)).toEqual(base.layerSizes);
      // About 75 MB today (node_modules is most of it); the full development tree would be over 400 MB.
      expect(added / MB).toBeLessThan(100);
    },
    300_000,
  );
});
