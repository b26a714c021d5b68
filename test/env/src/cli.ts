#!/usr/bin/env node
import { join } from 'node:path';
import { startFleetProcesses } from './demo-fleet.js';
import { startEnvironment } from './environment.js';
import { Termination, writeIfOpen } from './termination.js';

// `kmm-test-env up [--spokes N] [--fleet] [--keep]`: starts the environment (with --fleet also the built hub and a
// standalone spoke agent per spoke, as the demo runs them), prints where its kubeconfigs and endpoints are, and
// keeps it running until Ctrl-C (or SIGTERM, SIGHUP, a closed output pipe), then stops every process it started.
async function main(argv: string[], termination: Termination, log: (line: string) => void): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'up') {
    log('usage: kmm-test-env up [--spokes N] [--fleet] [--keep]');
    process.exit(2);
  }
  const i = rest.indexOf('--spokes');
  const spokes = i >= 0 ? Number(rest[i + 1]) : 2;
  if (!Number.isInteger(spokes) || spokes < 0) throw new Error(`--spokes wants a whole number, got ${rest[i + 1]}`);
  const env = await startEnvironment({ spokes, keepWorkDir: rest.includes('--keep'), log });
  termination.setStop(() => env.stop());
  const fleet = rest.includes('--fleet')
    ? await startFleetProcesses(env.processes, env.state, join(env.state.workDir, 'fleet'))
    : undefined;
  writeIfOpen(process.stdout, `${JSON.stringify(env.state, null, 2)}\n`);
  if (fleet) log(`hub: ${fleet.hubUrl}; logs: ${fleet.processes.map((p) => p.logPath).join(' ')}`);
  log(`state: ${env.state.workDir}/env.json — Ctrl-C stops everything`);
}

const log = (line: string) => writeIfOpen(process.stderr, `${line}\n`);
const termination = new Termination(log);
main(process.argv.slice(2), termination, log).catch((err: unknown) => termination.fail(err));
