#!/usr/bin/env node
import { join } from 'node:path';
import { applyDemoModules, demoKernelUpgrade, fleetTable, seedDemoFleet, startFleetProcesses } from './demo-fleet.js';
import { startEnvironment } from './environment.js';
import { Termination, writeIfOpen } from './termination.js';

// `npm start`: the local demo fleet. The real test environment (hub + two spokes whose Nodes run different
// kernels, Redis, registry, OIDC issuer), the hub in role all and a standalone spoke agent per spoke, a
// ManagedClusterModule that builds and signs a real kernel module for both kernels, and one whose prebuilt image
// is only pinned and delivered. Progress is shown until every cluster is Available, then one kernel upgrade (the
// next kernel prebuilt, then a spoke moved to it, timed to Available); Ctrl-C (or closing the
// terminal, or killing the demo) stops everything.
const MODULES = ['hello-signed', 'hello-prebuilt'];

async function main(termination: Termination, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const env = await startEnvironment({ spokes: 2, log: say });
  termination.setStop(() => env.stop());

  const workDir = join(env.state.workDir, 'demo');
  const seeded = await seedDemoFleet(env.state, workDir, say);
  const fleet = await startFleetProcesses(env.processes, env.state, workDir);
  say(`hub and spoke agents are up; their logs: ${fleet.processes.map((p) => p.logPath).join(' ')}`);
  await applyDemoModules(env.state, seeded);
  say(
    `applied ${MODULES.join(' and ')}; kernels: ${Object.entries(seeded.kernels)
      .map(([c, k]) => `${c}=${k}`)
      .join(', ')}\n`,
  );

  const tty = process.stdout.isTTY;
  let lastLines = 0;
  while (!termination.stopping) {
    const { rows, available } = await fleetTable(env.state, MODULES);
    const lines = [`[${elapsed()}] module          cluster   state        kernels`, ...rows];
    if (tty && lastLines > 0) writeIfOpen(process.stdout, `\u001b[${lastLines}A\u001b[J`);
    say(lines.join('\n'));
    lastLines = lines.length;
    if (available) break;
    if (!tty) say('');
    await new Promise((r) => setTimeout(r, 2_000));
  }
  if (termination.stopping) return;
  say(`\nEvery cluster is Available after ${elapsed()}.\n`);

  // One kernel upgrade: the next kernel is prebuilt before the spoke runs it, so the move needs no build.
  const upgrade = await demoKernelUpgrade(env.state, seeded, () => termination.stopping, say);
  if (termination.stopping) return;
  if (upgrade) {
    say(
      `upgrade: ${upgrade.spoke} runs ${upgrade.kernel} and is Available ${(upgrade.toAvailableMs / 1000).toFixed(1)} s after its Node moved (image prebuilt beforehand in ${(upgrade.prebuildMs / 1000).toFixed(1)} s)`,
    );
  }
  say(
    [
      '',
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
  // Done here: the servers' handles keep the process running until a termination stops them.
}

// Output is written only while its reader is there: under `npm start | tee demo.log` a Ctrl-C ends tee first.
const say = (line: string) => writeIfOpen(process.stdout, `${line}\n`);
const termination = new Termination(say);
main(termination, say).catch((err: unknown) => termination.fail(err));
