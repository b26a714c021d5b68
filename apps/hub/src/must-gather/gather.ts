// Collects what support needs from a hub cluster into a folder, in the layout `oc adm must-gather` archives
// (cluster-scoped-resources/<group>/<plural>.yaml, namespaces/<ns>/<group>/<plural>.yaml, pod logs), following
// github.com/openshift/must-gather. Every object and every text goes through redact.ts before it is written, and
// Secret objects are never read. A part that cannot be read (a kind the cluster does not serve, a hub that does not
// answer) is noted in gather.log and skipped; the rest is still collected.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LABELS, RESOURCES } from '@kmm-hub/api';
import { KubeApiError, KubeHttp, type KubeClientConfig } from '@kmm-hub/kube';
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

interface KubeList {
  items: { metadata: { name?: string; namespace?: string }; spec?: { containers?: { name: string }[] } }[];
}

/** Preflight kinds may be served by the hub's or the spoke's KMM group, under any version: found by discovery. */
const PREFLIGHT_GROUPS = [RESOURCES.ManagedClusterModule.group, RESOURCES.Module.group];

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
  const list = (path: string, query?: Record<string, string>) =>
    http.json<KubeList>('GET', path, query ? { query } : {});

  await write('version', 'kmm-hub must-gather\n');

  const mcm = RESOURCES.ManagedClusterModule;
  await attempt('ManagedClusterModules', async () =>
    writeObjects(`cluster-scoped-resources/${mcm.group}/${mcm.plural}.yaml`, await list(apiPath(mcm))),
  );
  const mc = RESOURCES.ManagedCluster;
  await attempt('ManagedClusters', async () =>
    writeObjects(`cluster-scoped-resources/${mc.group}/${mc.plural}.yaml`, await list(apiPath(mc))),
  );
  const mw = RESOURCES.ManifestWork;
  await attempt('ManifestWorks', async () => {
    // Only the hub's own ManifestWorks (labelled with their MCM): others are not ours to ship.
    const works = await list(apiPath(mw), { labelSelector: LABELS.managedClusterModuleName });
    for (const [ns, items] of byNamespace(works.items))
      await writeObjects(`namespaces/${ns}/${mw.group}/${mw.plural}.yaml`, { items });
  });

  const ns = o.hubNamespace;
  for (const [path, file] of [
    [`/api/v1/namespaces/${ns}/events`, 'core/events.yaml'],
    [`/api/v1/namespaces/${ns}/pods`, 'core/pods.yaml'],
    [`/api/v1/namespaces/${ns}/configmaps`, 'core/configmaps.yaml'],
    [`/apis/apps/v1/namespaces/${ns}/deployments`, 'apps/deployments.yaml'],
    [`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, 'coordination.k8s.io/leases.yaml'],
  ] as const)
    await attempt(`${ns} ${file}`, async () => writeObjects(`namespaces/${ns}/${file}`, await list(path)));
  await attempt('events of ManagedClusterModules', async () =>
    writeObjects(
      `cluster-scoped-resources/${mcm.group}/${mcm.plural}-events.yaml`,
      await list('/api/v1/events', { fieldSelector: `involvedObject.kind=${mcm.kind}` }),
    ),
  );

  // Logs of every hub role: every container of every pod in the hub namespace.
  await attempt('pod logs', async () => {
    for (const pod of (await list(`/api/v1/namespaces/${ns}/pods`)).items) {
      const name = pod.metadata.name ?? '';
      for (const c of pod.spec?.containers ?? [])
        await attempt(`log of ${name}/${c.name}`, async () => {
          const log = await http.text(`/api/v1/namespaces/${ns}/pods/${name}/log`, {
            container: c.name,
            tailLines: String(o.logLines),
          });
          await write(`namespaces/${ns}/pods/${name}/${c.name}/${c.name}/logs/current.log`, redactText(log));
        });
      // What this pod's readiness checks see (Redis, the API server, leadership, informers), through the API
      // server's pod proxy, so it works from a must-gather pod without a route to the pod network.
      await attempt(`readiness of ${name}`, async () => {
        const body = await http.text(`/api/v1/namespaces/${ns}/pods/${name}:8080/proxy/readyz`).catch((e: unknown) => {
          if (e instanceof KubeApiError && e.status === 503) return e.message;
          throw e;
        });
        await write(`hub/pods/${name}/readyz.json`, redactText(body));
      });
    }
  });

  await attempt('preflight objects', async () => {
    const found = await preflightResources(http);
    if (found.length === 0) throw new Error('no preflight kind is served by this cluster');
    for (const r of found)
      await writeObjects(`cluster-scoped-resources/${r.group}/${r.plural}.yaml`, await list(r.path));
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

function apiPath(r: { group: string; version: string; plural: string }): string {
  return `/apis/${r.group}/${r.version}/${r.plural}`;
}

function byNamespace<T extends { metadata: { namespace?: string } }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const ns = item.metadata.namespace ?? '';
    out.set(ns, [...(out.get(ns) ?? []), item]);
  }
  return out;
}

async function preflightResources(http: KubeHttp): Promise<{ group: string; plural: string; path: string }[]> {
  const found = new Map<string, { group: string; plural: string; path: string }>();
  for (const group of PREFLIGHT_GROUPS) {
    const served = await http
      .json<{ versions?: { groupVersion: string }[] }>('GET', `/apis/${group}`)
      .catch((e: unknown) => (e instanceof KubeApiError && e.status === 404 ? undefined : Promise.reject(e)));
    // Every served version: a preflight kind may live in another version than the group's preferred one.
    for (const { groupVersion } of served?.versions ?? []) {
      const { resources } = await http.json<{ resources: { name: string }[] }>('GET', `/apis/${groupVersion}`);
      for (const r of resources)
        if (r.name.includes('preflight') && !r.name.includes('/') && !found.has(`${group}/${r.name}`))
          found.set(`${group}/${r.name}`, { group, plural: r.name, path: `/apis/${groupVersion}/${r.name}` });
    }
  }
  return [...found.values()];
}

const fileName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

function describeError(err: unknown): string {
  if (err instanceof KubeApiError) return `${err.status} ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
