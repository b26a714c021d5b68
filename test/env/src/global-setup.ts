import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import type { EnvState } from './env-state.js';
import { startEnvironment, type Environment } from './environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    env: EnvState;
  }
}

interface SharedEnvironment {
  started: Promise<Environment>;
  /** Projects of this run using it; the last to tear down stops it. */
  projects: number;
  onSignal: () => void;
}

/**
 * Vitest runs a globalSetup once per project, loading this file anew for each: the int and e2e projects of one run
 * share one environment through the process-wide symbol registry instead of starting two.
 */
const SHARED = Symbol.for('kmm-hub.test-env');
const registry = globalThis as { [SHARED]?: SharedEnvironment };

function startShared(): SharedEnvironment {
  const started = startEnvironment({
    spokes: Number(process.env.KMM_TEST_SPOKES ?? 2),
    keepWorkDir: process.env.KMM_TEST_KEEP === '1',
    log: (line) => process.stderr.write(`[test-env] ${line}\n`),
  });
  const onSignal = () => void started.then((env) => env.stop()).catch(() => undefined);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { started, projects: 0, onSignal };
}

/** Whether this was the last project using the environment (which then goes from the registry). */
function release(shared: SharedEnvironment): boolean {
  if (--shared.projects > 0) return false;
  delete registry[SHARED];
  process.off('SIGINT', shared.onSignal);
  process.off('SIGTERM', shared.onSignal);
  return true;
}

/** Starts the real servers once per test run and hands their coordinates to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[SHARED] ??= startShared());
  shared.projects++;
  let env: Environment;
  try {
    env = await shared.started;
  } catch (err) {
    release(shared);
    throw err;
  }
  project.provide('env', env.state);
  return async () => {
    if (release(shared)) await env.stop();
  };
}
