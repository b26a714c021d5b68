#!/usr/bin/env node
import { join } from 'node:path';
import { applyDemoModules, fleetTable, seedDemoFleet, startFleetProcesses } from './demo-fleet.js';
import { startEnvironment } from './environment.js';

// `npm start`: the local demo fleet. The real test environment (hub + two spokes whose Nodes run different
// kernels, Redis, registry, OIDC issuer), the hub in role all and a standalone spoke agent per spoke, a
// ManagedClusterModule that builds and signs a real kernel module for both kernels, and one whose prebuilt image
// is only pinned and delivered. Progress is shown until every cluster is Available; Ctrl-C stops everything.
const MODULES = ['hello-signed', 'hello-prebuilt'];

async function main(): Promise<void> {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const env = await startEnvironment({ spokes: 2, log: say });
  let fleet: Awaited<ReturnType<typeof startFleetProcesses>> | undefined;
  const stopAll = async () => {
    await fleet?.stop();
    await env.stop();
  };
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say('\nstopping everything the demo started…');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const workDir = join(env.state.workDir, 'demo');
  const seeded = await seedDemoFleet(env.state, workDir, say);
  fleet = await startFleetProcesses(env.state, workDir);
  await applyDemoModules(env.state, seeded);
  say(
    `applied ${MODULES.join(' and ')}; kernels: ${Object.entries(seeded.kernels)
      .map(([c, k]) => `${c}=${k}`)
      .join(', ')}\n`,
  );

  const tty = process.stdout.isTTY;
  let lastLines = 0;
  for (;;) {
    const { rows, available } = await fleetTable(env.state, MODULES);
    const lines = [`[${elapsed()}] module          cluster   state        kernels`, ...rows];
    if (tty && lastLines > 0) process.stdout.write(`\u001b[${lastLines}A\u001b[J`);
    process.stdout.write(`${lines.join('\n')}\n`);
    lastLines = lines.length;
    if (available) break;
    if (!tty) say('');
    await new Promise((r) => setTimeout(r, 2_000));
  }
  say(
    [
      '',
      `Every cluster is Available after ${elapsed()}.`,
      `  fleet web page   ${fleet.hubUrl}/   (signs in through the local OIDC issuer ${env.state.oidc.issuer})`,
      `  fleet API        ${fleet.hubUrl}/api/v1/fleet   (OpenAPI at ${fleet.hubUrl}/api/docs)`,
      `  hub              kubectl --kubeconfig ${env.state.hub.kubeconfigPath} get managedclustermodules`,
      ...env.state.spokes.map(
        (s) => `  ${s.name.padEnd(16)} kubectl --kubeconfig ${s.kubeconfigPath} get modules,daemonsets -n kmm-demo`,
      ),
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  await new Promise(() => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
