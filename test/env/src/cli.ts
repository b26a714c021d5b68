#!/usr/bin/env node
import { join } from 'node:path';
import { startFleetProcesses } from './demo-fleet.js';
import { startEnvironment } from './environment.js';

// `kmm-test-env up [--spokes N] [--fleet] [--keep]`: starts the environment (with --fleet also the built hub and a
// standalone spoke agent per spoke, as the demo runs them), prints where its kubeconfigs and endpoints are, and
// keeps it running until Ctrl-C, then stops every process it started.
async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'up') {
    process.stderr.write('usage: kmm-test-env up [--spokes N] [--fleet] [--keep]\n');
    process.exit(2);
  }
  const i = rest.indexOf('--spokes');
  const spokes = i >= 0 ? Number(rest[i + 1]) : 2;
  if (!Number.isInteger(spokes) || spokes < 0) throw new Error(`--spokes wants a whole number, got ${rest[i + 1]}`);
  const env = await startEnvironment({
    spokes,
    keepWorkDir: rest.includes('--keep'),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const fleet = rest.includes('--fleet')
    ? await startFleetProcesses(env.state, join(env.state.workDir, 'fleet'))
    : undefined;
  process.stdout.write(`${JSON.stringify(env.state, null, 2)}\n`);
  if (fleet) process.stderr.write(`hub: ${fleet.hubUrl}\n`);
  process.stderr.write(`state: ${env.state.workDir}/env.json — Ctrl-C stops everything\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('stopping everything…\n');
  await fleet?.stop();
  await env.stop();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`cause: ${String(err.cause)}\n`);
  process.exit(1);
});
