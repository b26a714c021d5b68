// How the agent connects: the hub kubeconfig from a Secret on the spoke, and a fail-fast start on a spoke that lacks
// what the enabled controllers need.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManifestWork } from '@kmm-hub/api';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ProcessGroup, createCertificateAuthority, startApiServer } from '@kmm-hub/test-env';
import {
  adminHttp,
  conditionOf,
  configMap,
  createNamespace,
  manifestWorkPath,
  newManifestWork,
  startAgent,
  uniqueName,
  type RunningAgent,
} from '../spoke-agent.testing.js';
import { ModuleReconciler } from '../modules/module.reconciler.js';
import { HubClient } from './cluster-clients.js';
import { hubHashOf } from './hub-hash.js';

const env = inject('env');
const spoke = env.spokes[0]!;
const POLL = { timeout: 20_000, interval: 100 };
const group = new ProcessGroup(mkdtempSync(join(env.workDir, 'clusters-')));
const agents: RunningAgent[] = [];

/** Files under `root` (three levels deep) modified since `since` whose content includes `needle`. */
function filesWrittenSince(root: string, since: number, needle: string, depth = 3): string[] {
  const found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return found; // removed meanwhile, or not ours to read
  }
  for (const name of entries) {
    const path = join(root, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      if (depth > 0 && stat.mtimeMs >= since - 1000) found.push(...filesWrittenSince(path, since, needle, depth - 1));
    } else if (stat.isFile() && stat.mtimeMs >= since - 1000 && stat.size < 1 << 20) {
      try {
        if (readFileSync(path).includes(needle)) found.push(path);
      } catch {
        // unreadable (a socket, removed meanwhile): not a file the agent wrote
      }
    }
  }
  return found;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});
afterAll(() => group.stopAll());

describe(HubClient.name, () => {
  it('reads the hub kubeconfig from a Secret on the spoke and works with it, writing none of it to disk', async () => {
    const cluster = uniqueName('secret');
    await createNamespace(env.hub, cluster);
    await createNamespace(spoke, cluster);
    // Shaped like OCM's hub-kubeconfig-secret: the kubeconfig names the files beside it, which are the Secret's keys.
    const hubConfig = parse(readFileSync(env.hub.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: Record<string, unknown> }[];
      users: { user: Record<string, unknown> }[];
    };
    const token = String(hubConfig.users[0]!.user['token']);
    hubConfig.clusters[0]!.cluster = { server: env.hub.server, 'certificate-authority': 'ca.crt' };
    hubConfig.users[0]!.user = { tokenFile: 'token' };
    const started = Date.now();
    await adminHttp(spoke).json('POST', `/api/v1/namespaces/${cluster}/secrets`, {
      body: {
        metadata: { name: 'hub-kubeconfig' },
        data: {
          kubeconfig: Buffer.from(stringify(hubConfig)).toString('base64'),
          'ca.crt': Buffer.from(env.hub.caPem).toString('base64'),
          token: Buffer.from(token).toString('base64'),
        },
      },
    });
    const agent = await startAgent({
      CLUSTER_NAME: cluster,
      AGENT_ID: cluster,
      HUB_KUBECONFIG_SECRET: `${cluster}/hub-kubeconfig`,
      SPOKE_KUBECONFIG: spoke.kubeconfigPath,
      MODULE_RECONCILER: 'false',
    });
    agents.push(agent);
    expect(agent.app.get(HubClient).hubHash).toBe(hubHashOf(env.hub.server));
    // MODULE_RECONCILER=false (a real KMM runs on the spoke): the agent has no Module reconciler at all.
    expect(() => agent.app.get(ModuleReconciler)).toThrow();

    const hub = adminHttp(env.hub);
    await hub.json('POST', manifestWorkPath(cluster), {
      body: newManifestWork(cluster, 'w', [configMap(cluster, 'c', { a: 'b' })]),
    });
    await expect
      .poll(
        async () =>
          conditionOf(
            (await hub.json<ManifestWork>('GET', manifestWorkPath(cluster, 'w'))).status?.conditions,
            'Applied',
          )?.status,
        POLL,
      )
      .toBe('True');
    // The hub credential never lands on disk (it used to be written into a temp folder that outlived the agent).
    expect(filesWrittenSince(tmpdir(), started, token)).toEqual([]);
  });

  it('refuses to start on a spoke without the CRDs it needs, naming each, and on a missing hub Secret', async () => {
    const bare = await startApiServer(group, {
      name: uniqueName('bare'),
      binDir: env.binDir,
      workDir: group.workDir,
      etcdUrl: env.etcdUrl,
      ca: createCertificateAuthority(env.pkiDir),
    });
    await expect(
      startAgent({
        CLUSTER_NAME: 'bare',
        HUB_KUBECONFIG: env.hub.kubeconfigPath,
        SPOKE_KUBECONFIG: bare.info.kubeconfigPath,
      }),
    ).rejects.toThrow(/ClusterClaim: .*AppliedManifestWork: .*Module: /s);
    await expect(
      startAgent({
        CLUSTER_NAME: 'nosecret',
        HUB_KUBECONFIG_SECRET: 'default/absent',
        SPOKE_KUBECONFIG: spoke.kubeconfigPath,
      }),
    ).rejects.toThrow(/read hub kubeconfig Secret default\/absent/);
  });
});
