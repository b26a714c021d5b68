// deploy/monitoring against real things: Prometheus's own promtool (built from its Go module by
// test/env/build-promtool.sh) checks the rules and runs their unit tests; a hub of every role, on a real API server
// and Redis, exports every series the rules and the Grafana dashboard read; and a real API server with
// prometheus-operator's CRDs accepts the PrometheusRule and the ServiceMonitor.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import {
  ENV_DIR_PREFIX,
  clientCredentialsToken,
  clusterKubeConfig,
  installCrds,
  startDedicatedCluster,
  type DedicatedCluster,
} from '@kmm-hub/test-env';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { HUB_NAMESPACE, apiHubEnv, startApiHub, type ApiHub } from '../testing/fleet-under-test.testing.js';

const env = inject('env');
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const MONITORING = join(REPO, 'deploy/monitoring');
const CRDS = join(REPO, 'test/fixtures/crds/prometheus-operator');
const run = promisify(execFile);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface PrometheusRule extends KubernetesObject {
  spec: { groups: { name: string; rules: Rule[] }[] };
}

function readObjects(path: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

/** The objects of deploy/monitoring, in the order its kustomization lists them. */
function monitoringObjects(): KubernetesObject[] {
  const { resources } = parse(readFileSync(join(MONITORING, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return resources.flatMap((file) => readObjects(join(MONITORING, file)));
}

const prometheusRule = () => monitoringObjects().find((o) => o.kind === 'PrometheusRule') as PrometheusRule;

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana/kmm-hub-fleet.json'), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** The hub's series names a PromQL expression reads (every one starts with the hub's prefix). */
const seriesIn = (expr: string) => [...expr.matchAll(/\bkmm_hub_[a-z0-9_]+/g)].map((m) => m[0]);

/** Series names a Prometheus exposition declares: each family's name, with the suffixes of histograms and summaries. */
function exportedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(name + s);
    if (type === 'summary') for (const s of ['_count', '_sum']) names.add(name + s);
  }
  return names;
}

async function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const { stdout: bin } = await run('bash', [join(REPO, 'test/env/build-promtool.sh')], { maxBuffer: 1 << 24 });
  return run(bin.trim(), args, { cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      output: (e.stdout ?? '') + (e.stderr ?? ''),
    }),
  );
}

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder with the rule groups as Prometheus reads them, and the promtool unit tests beside them. */
function rulesFolder(rule: PrometheusRule): string {
  const dir = mkdtempSync(join(tmpdir(), `${ENV_DIR_PREFIX}promtool-`));
  folders.push(dir);
  writeFileSync(join(dir, 'kmm-hub.rules.yaml'), stringify({ groups: rule.spec.groups }));
  copyFileSync(join(MONITORING, 'tests/alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
  return dir;
}

describe('deploy/monitoring', () => {
  describe('rules, with promtool', () => {
    it('pass promtool check rules', async () => {
      const result = await promtool(['check', 'rules', 'kmm-hub.rules.yaml'], rulesFolder(prometheusRule()));
      expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS: 5 rules found') });
    }, 900_000);

    it('pass their promtool unit tests, one or more per alert', async () => {
      const rule = prometheusRule();
      const tests = parse(readFileSync(join(MONITORING, 'tests/alerts.test.yaml'), 'utf8')) as {
        tests: { alert_rule_test: { alertname: string }[] }[];
      };
      const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
      expect([...tested].toSorted()).toEqual(
        rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert ?? '')).toSorted(),
      );

      const result = await promtool(['test', 'rules', 'alerts.test.yaml'], rulesFolder(rule));

      expect(result.output).toContain('SUCCESS');
      expect(result.code).toBe(0);
    }, 900_000);

    it.each([
      ['KmmHubModuleDegraded', 'for', '30m'],
      ['KmmHubNoLeader', 'expr', 'max(kmm_hub_leader) < 1'],
      ['KmmHubRegistryUnreachable', 'expr', 'max by (registry) (kmm_hub_registry_up) == 0'],
    ])(
      'catch %s with its %s changed to %s',
      async (alert, field, value) => {
        const rule = prometheusRule();
        const target = rule.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
        Object.assign(target ?? {}, { [field]: value });

        const result = await promtool(['test', 'rules', 'alerts.test.yaml'], rulesFolder(rule));

        expect(result.code).toBe(1);
        expect(result.output).toContain(`alertname: ${alert}`);
      },
      900_000,
    );
  });

  describe('on a hub of every role and its API server', () => {
    let cluster: DedicatedCluster;
    let hub: ApiHub;
    beforeAll(async () => {
      cluster = await startDedicatedCluster(env, 'monitoring');
      const applier = new ServerSideApplier(clusterKubeConfig(cluster.info), 'monitoring-test');
      await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: HUB_NAMESPACE } });
      await installCrds(clusterKubeConfig(cluster.info), [
        ...readObjects(join(CRDS, 'monitoring.coreos.com_prometheusrules.yaml')),
        ...readObjects(join(CRDS, 'monitoring.coreos.com_servicemonitors.yaml')),
      ]);
      hub = await startApiHub(
        apiHubEnv(env, env.oidc, cluster.info.kubeconfigPath, `monitoring-${process.pid}-${Date.now()}`, {
          HUB_ROLE: 'all',
          BUILD_EXECUTOR: 'buildah',
          METRICS_AUTH: 'viewer',
          LEASE_DURATION_S: '3',
        }),
      );
    }, 120_000);
    afterAll(async () => {
      await hub?.close();
      await cluster?.stop();
    });

    it('exports every series the rules and the dashboard read, to a viewer only (METRICS_AUTH=viewer)', async () => {
      expect((await request(hub.url).get('/metrics')).status).toBe(401);
      const token = await clientCredentialsToken(env.oidc, env.oidc.machineClients.viewer);
      const scrape = await request(hub.url).get('/metrics').set('authorization', `Bearer ${token}`);
      expect(scrape.status).toBe(200);
      const exported = exportedSeries(scrape.text);
      const used = [
        ...prometheusRule().spec.groups.flatMap((g) => g.rules.map((r) => r.expr)),
        ...dashboardExprs(),
      ].flatMap(seriesIn);
      expect(used.length).toBeGreaterThan(10);

      expect([...new Set(used)].filter((name) => !exported.has(name)).toSorted()).toEqual([]);
    });

    it("is accepted with prometheus-operator's CRDs: the PrometheusRule, ServiceMonitor and Service", async () => {
      const kc = clusterKubeConfig(cluster.info);
      const applier = new ServerSideApplier(kc, 'monitoring-test');
      const objects = monitoringObjects();

      const applied = [];
      for (const o of objects) applied.push(await applier.apply(o));

      expect(applied.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
        'Service/kmm-hub-metrics',
        'ServiceMonitor/kmm-hub',
        'PrometheusRule/kmm-hub',
      ]);
      // What the API server stored holds all the files say (no field pruned as unknown to the schema), plus the
      // schema's defaults (relabeling action: replace).
      const http = new KubeHttp(kc);
      for (const o of objects.filter((x) => x.kind !== 'Service')) {
        const path = `/apis/monitoring.coreos.com/v1/namespaces/${HUB_NAMESPACE}/${o.kind?.toLowerCase()}s/kmm-hub`;
        const stored = await http.json<{ spec: unknown }>('GET', path);
        expect(stored.spec).toMatchObject((o as unknown as { spec: object }).spec);
      }
    });

    it('the ServiceMonitor variant for METRICS_AUTH=viewer (OAuth 2.0 client credentials, README) is accepted', async () => {
      const applier = new ServerSideApplier(clusterKubeConfig(cluster.info), 'monitoring-test');
      const monitor = monitoringObjects().find((o) => o.kind === 'ServiceMonitor') as KubernetesObject & {
        spec: { endpoints: Record<string, unknown>[] };
      };
      const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
      const snippet = /```yaml\n(# ServiceMonitor endpoint for METRICS_AUTH=viewer[\s\S]*?)```/.exec(readme)?.[1];
      expect(snippet, 'README shows the oauth2 endpoint').toBeDefined();
      const oauth2 = (parse(snippet ?? '') as { oauth2: unknown }).oauth2;

      const applied = await applier.apply({
        ...monitor,
        metadata: { ...monitor.metadata, name: 'kmm-hub-viewer' },
        spec: { ...monitor.spec, endpoints: [{ ...monitor.spec.endpoints[0], oauth2 }] },
      });

      expect((applied as typeof monitor).spec.endpoints[0]).toMatchObject({ oauth2 });
    });
  });
});
