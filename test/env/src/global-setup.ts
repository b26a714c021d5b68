import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import type { EnvState } from './env-state.js';
import { startEnvironment } from './environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    env: EnvState;
  }
}

/** Starts the real servers once per test run and hands their coordinates to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await startEnvironment({
    spokes: Number(process.env.KMM_TEST_SPOKES ?? 2),
    keepWorkDir: process.env.KMM_TEST_KEEP === '1',
    log: (line) => process.stderr.write(`[test-env] ${line}\n`),
  });
  project.provide('env', env.state);
  const stop = () => void env.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return async () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await env.stop();
  };
}
