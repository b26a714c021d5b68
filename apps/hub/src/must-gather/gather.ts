// Collects what support needs from a hub cluster into a folder, in the layout `oc adm must-gather` archives
// (cluster-scoped-resources/<group>/<plural>.yaml, namespaces/<ns>/<group>/<plural>.yaml, pod logs), following
// github.com/openshift/must-gather. Every object and every text goes through redact.ts before it is written, and
// Secret objects are never read. A part that cannot be read (a kind the cluster does not serve, a hub that does not
// answer) is noted in gather.log and skipped; the rest is still collected.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LABELS, RESOURCES } from '@kmm-hub/api';
import {
  BUILTIN_RESOURCES,
  KubeApiError,
  KubeHttp,
  ResourceClient,
  isNotFound,
  type KubeClientConfig,
  type ResourceDescriptor,
} from '@kmm-hub/kube';
import { stringify } from 'yaml';
import { redactObject, redactText } from './redact.js';

export interface GatherOptions {
  kube: KubeClientConfig;
  /** Folder written into (`/must-gather` in the image). */
  outDir: string;
  hubNamespace: string;
  /** The hub's HTTP address (its api Service), for /readyz and /api/v1/builds; unset: not asked. */
  hubUrl?: string;
  /** An access token for the hub API (a viewer's); without it the build queue is asked anonymously. */
  hubToken?: string;
  /** Last lines of each pod log. */
  logLines: number;
  /** Build details (with their last log lines) fetched at most. */
  maxBuilds: number;
}

interface GatheredObject {
  metadata: { name?: string; namespace?: string };
  spec?: { containers?: { name: string }[] };
}

const DEPLOYMENT: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
};
/**
 * The hub's own PreflightValidation, then upstream KMM's preflight kinds
 * (config/crd/bases/kmm.sigs.x-k8s.io_preflightvalidations.yaml of kubernetes-sigs/kernel-module-management;
 * PreflightValidationOCP in OpenShift's build of it), newest version first: a cluster that serves none of them has
 * no preflight objects to collect.
 */
const PREFLIGHT_KINDS: ResourceDescriptor[] = [
  RESOURCES.PreflightValidation,
  ...['v1beta2', 'v1beta1'].flatMap((version) =>
    ['PreflightValidation', 'PreflightValidationOCP'].map((kind) => ({
      group: RESOURCES.Module.group,
      version,
      kind,
      plural: `${kind.toLowerCase()}s`,
      namespaced: false,
    })),
  ),
];

export async function gather(o: GatherOptions): Promise<{ files: string[]; skipped: string[] }> {
  const http = new KubeHttp(o.kube, { requestTimeoutMs: 20_000 });
  const files: string[] = [];
  const skipped: string[] = [];
  const write = async (path: string, content: string) => {
    const full = join(o.outDir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    files.push(path);
  };
  const writeObjects = (path: string, value: unknown) => write(path, stringify(redactObject(value)));
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      skipped.push(`${what}: ${redactText(describeError(err))}`);
    }
  };
  const client = (r: ResourceDescriptor) => new ResourceClient<GatheredObject>(http, r);

  await write('version', 'kmm-hub must-gather\n');

  const mcm = RESOURCES.ManagedClusterModule;
  await attempt('ManagedClusterModules', async () =>
    writeObjects(`cluster-scoped-resources/${mcm.group}/${mcm.plural}.yaml`, await client(mcm).list()),
  );
  const mc = RESOURCES.ManagedCluster;
  await attempt('ManagedClusters', async () =>
    writeObjects(`cluster-scoped-resources/${mc.group}/${mc.plural}.yaml`, await client(mc).list()),
  );
  const mw = RESOURCES.ManifestWork;
  await attempt('ManifestWorks', async () => {
    // Only the hub's own ManifestWorks (labelled with their MCM): others are not ours to ship.
    const works = await client(mw).list({ labelSelector: LABELS.managedClusterModuleName });
    for (const [ns, items] of byNamespace(works.items))
      await writeObjects(`namespaces/${ns}/${mw.group}/${mw.plural}.yaml`, { items });
  });

  const ns = o.hubNamespace;
  for (const r of [
    BUILTIN_RESOURCES.Event,
    BUILTIN_RESOURCES.Pod,
    BUILTIN_RESOURCES.ConfigMap,
    DEPLOYMENT,
    BUILTIN_RESOURCES.Lease,
  ]) {
    const file = `${r.group || 'core'}/${r.plural}.yaml`;
    await attempt(`${ns} ${file}`, async () =>
      writeObjects(`namespaces/${ns}/${file}`, await client(r).list({ namespace: ns })),
    );
  }
  await attempt('events of ManagedClusterModules', async () =>
    writeObjects(
      `cluster-scoped-resources/${mcm.group}/${mcm.plural}-events.yaml`,
      await client(BUILTIN_RESOURCES.Event).list({ fieldSelector: `involvedObject.kind=${mcm.kind}` }),
    ),
  );

  // Logs of every hub role: every container of every pod in the hub namespace.
  await attempt('pod logs', async () => {
    const pods = client(BUILTIN_RESOURCES.Pod);
    for (const pod of (await pods.list({ namespace: ns })).items) {
      const name = pod.metadata.name ?? '';
      for (const c of pod.spec?.containers ?? [])
        await attempt(`log of ${name}/${c.name}`, async () => {
          const log = await pods.text(name, 'log', {
            namespace: ns,
            query: { container: c.name, tailLines: o.logLines },
          });
          await write(`namespaces/${ns}/pods/${name}/${c.name}/${c.name}/logs/current.log`, redactText(log));
        });
      // What this pod's readiness checks see (Redis, the API server, leadership, informers), through the API
      // server's pod proxy, so it works from a must-gather pod without a route to the pod network.
      await attempt(`readiness of ${name}`, async () => {
        const body = await pods.text(`${name}:8080`, 'proxy/readyz', { namespace: ns }).catch((e: unknown) => {
          if (e instanceof KubeApiError && e.status === 503) return e.message;
          throw e;
        });
        await write(`hub/pods/${name}/readyz.json`, redactText(body));
      });
    }
  });

  await attempt('preflight objects', async () => {
    const written = new Set<string>();
    for (const r of PREFLIGHT_KINDS) {
      if (written.has(`${r.group}/${r.kind}`)) continue;
      const objects = await client(r)
        .list()
        .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (!objects) continue;
      await writeObjects(`cluster-scoped-resources/${r.group}/${r.plural}.yaml`, objects);
      written.add(`${r.group}/${r.kind}`);
    }
    if (written.size === 0) throw new Error('no preflight kind is served by this cluster');
  });

  if (o.hubUrl) {
    const hub = o.hubUrl.replace(/\/$/, '');
    const headers: Record<string, string> = o.hubToken ? { authorization: `Bearer ${o.hubToken}` } : {};
    await attempt('hub readiness', async () => {
      const res = await fetch(`${hub}/readyz`, { signal: AbortSignal.timeout(20_000) });
      await write(
        'hub/readyz.json',
        redactText(JSON.stringify({ status: res.status, body: await res.json() }, null, 2)),
      );
    });
    await attempt('build queue', async () => {
      const builds: { id: string }[] = [];
      let cursor: string | undefined;
      do {
        const url = `${hub}/api/v1/builds?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
        if (!res.ok) throw new Error(`GET /api/v1/builds answered ${res.status}`);
        const page = (await res.json()) as { items: { id: string }[]; nextCursor?: string };
        builds.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      await writeObjects('hub/builds.yaml', { items: builds });
      for (const b of builds.slice(0, o.maxBuilds))
        await attempt(`build ${b.id}`, async () => {
          const res = await fetch(`${hub}/api/v1/builds/${encodeURIComponent(b.id)}`, {
            headers,
            signal: AbortSignal.timeout(20_000),
          });
          if (!res.ok) throw new Error(`GET /api/v1/builds/${b.id} answered ${res.status}`);
          await writeObjects(`hub/builds/${fileName(b.id)}.yaml`, await res.json());
        });
    });
  } else skipped.push('hub readiness and build queue: no hub URL given');

  await write('gather.log', [...files.map((f) => `wrote ${f}`), ...skipped.map((s) => `skipped ${s}`), ''].join('\n'));
  return { files, skipped };
}

function byNamespace<T extends { metadata: { namespace?: string } }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const ns = item.metadata.namespace ?? '';
    out.set(ns, [...(out.get(ns) ?? []), item]);
  }
  return out;
}

const fileName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

function describeError(err: unknown): string {
  if (err instanceof KubeApiError) return `${err.status} ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
