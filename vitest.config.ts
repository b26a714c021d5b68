import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources of the workspace packages, without a build (tsc resolves the same files
// through the "source" export condition).
const root = fileURLToPath(new URL('.', import.meta.url));
const shared = {
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    alias: [
      { find: /^@kmm-hub\/test-env$/, replacement: `${root}test/env/src/index.ts` },
      { find: /^@kmm-hub\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` },
    ],
  },
};

const sources = ['libs/*/src/**', 'apps/*/src/**', 'test/**'];

/** Projects on the real servers: one environment per run, shared by int and e2e (see global-setup.ts). */
const realEnvironment = {
  globalSetup: ['./test/env/src/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // Files share one set of servers; 2 cores do not gain from more parallel files.
  maxWorkers: 2,
};

export default defineConfig({
  // globalSetup files are loaded by the root server, so it resolves workspace sources too.
  ...shared,
  test: {
    reporters: ['default', './test/ci-summary-reporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          setupFiles: ['./test/fast-check-setup.ts'],
          // Unit tests first, then the integration files (which use fewer workers) as a second group.
          sequence: { groupOrder: 0 },
          include: sources.map((s) => `${s}/*.spec.ts`),
          exclude: ['**/*.int.spec.ts', '**/*.e2e.spec.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        ...shared,
        test: {
          name: 'int',
          sequence: { groupOrder: 1 },
          include: sources.map((s) => `${s}/*.int.spec.ts`),
          exclude: ['**/node_modules/**', '**/dist/**'],
          ...realEnvironment,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          // The same group (and so the same two workers) as int: e2e files start while the last int files run,
          // and the run takes no longer than when they were one project.
          sequence: { groupOrder: 1 },
          include: sources.map((s) => `${s}/*.e2e.spec.ts`),
          exclude: ['**/node_modules/**', '**/dist/**'],
          ...realEnvironment,
        },
      },
      {
        ...shared,
        test: {
          name: 'bench',
          sequence: { groupOrder: 2 },
          include: ['bench/**/*.bench.ts'],
          globalSetup: ['./test/env/src/global-setup.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
