#!/usr/bin/env node
import { startEnvironment } from './environment.js';

// `kmm-test-env up [--spokes N]`: starts the environment, prints where its kubeconfigs and endpoints are, and
// keeps it running until Ctrl-C, then stops every process it started.
async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'up') {
    process.stderr.write('usage: kmm-test-env up [--spokes N] [--keep]\n');
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
  process.stdout.write(`${JSON.stringify(env.state, null, 2)}\n`);
  process.stderr.write(`state: ${env.state.workDir}/env.json — Ctrl-C stops everything\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await env.stop();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`cause: ${String(err.cause)}\n`);
  process.exit(1);
});
