// The hub runs as the service accounts of deploy/hub, with exactly their RBAC, on its own API server: the
// controller role plans and writes ManifestWorks, status, finalizers and events; the api role gets ready (its
// caches sync). Nothing the hub asks for is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Test, type TestingModule } from '@nestjs/testing';
import { RESOURCES, newManagedClusterModule, type ManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ServerSideApplier } from '@kmm-hub/kube';
import { RegistryClient } from '@kmm-hub/oci';
import {
  applyManagedCluster,
  clusterKubeConfig,
  pushImage,
  readAuditLog,
  renderKubeconfig,
  startDedicatedCluster,
  type DedicatedCluster,
  clientNodeConfig,
} from '@kmm-hub/test-env';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiHubEnv, startApiHub, type ApiHub } from '../../apps/hub/src/testing/fleet-under-test.testing.js';
import { parseHubConfig } from '../../apps/hub/src/config/config.schema.js';
import { HubModule } from '../../apps/hub/src/hub.module.js';
import { BASES, loadBase } from './deploy-files.js';

const env = inject('env');
const NAMESPACE = 'kmm-hub';

describe('hub roles as the service accounts of deploy/hub', () => {
  let cluster: DedicatedCluster;
  let admin: ServerSideApplier;
  let http: KubeHttp;
  let controller: TestingModule | undefined;
  let api: ApiHub | undefined;

  /** A kubeconfig for a service account of deploy/hub, with a token from the TokenRequest API. */
  async function kubeconfigFor(serviceAccount: string): Promise<string> {
    const core = clientNodeConfig(clusterKubeConfig(cluster.info)).makeApiClient(CoreV1Api);
    const token = await core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace: NAMESPACE,
      body: { spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 } },
    });
    const path = join(cluster.info.kubeconfigPath, '..', `${serviceAccount}.kubeconfig.yaml`);
    writeFileSync(path, renderKubeconfig(serviceAccount, cluster.info.server, cluster.info.caPem, token.status!.token));
    return path;
  }

  beforeAll(async () => {
    cluster = await startDedicatedCluster(env, 'rbac-hub');
    const kc = clusterKubeConfig(cluster.info);
    admin = new ServerSideApplier(kc, 'deploy-test');
    http = new KubeHttp(kc);
    const objects = await loadBase(BASES.hub);
    // Namespaces first, as kubectl apply orders them.
    for (const o of objects.toSorted((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'))) {
      await admin.apply(o as never);
    }
  }, 120_000);

  afterAll(async () => {
    await controller?.close();
    await api?.close();
    await cluster?.stop();
  });

  it('controller: plans, writes ManifestWorks, status, finalizer and events without a refusal', async () => {
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    const repository = `rbac/${Date.now()}`;
    const pushed = await pushImage(registry, repository, '6.1.0-56-amd64', [
      { path: '/opt/x', content: Buffer.from('x') },
    ]);
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge-rbac' } });
    await applyManagedCluster(admin, { name: 'edge-rbac', labels: { rbac: 'yes' }, kernels: ['6.1.0-56-amd64'] });
    const config = parseHubConfig({
      HUB_ROLE: 'controller',
      HUB_KUBECONFIG: await kubeconfigFor('kmm-hub-controller'),
      HUB_NAMESPACE: NAMESPACE,
      REDIS_URL: env.redis.url,
      QUEUE_PREFIX: `rbac-${Date.now()}`,
      LEASE_DURATION_S: '3',
      RECHECK_INTERVAL_S: '1',
      IMAGE_CHECK_TTL_S: '1',
      LOG_LEVEL: 'warn',
    });
    controller = await Test.createTestingModule({ imports: [await HubModule.forRole(config)] }).compile();
    await controller.init();
    const mcm = newManagedClusterModule({
      metadata: { name: 'rbac' },
      spec: {
        spokeNamespace: 'kmm',
        selector: { rbac: 'yes' },
        moduleSpec: {
          selector: {},
          moduleLoader: {
            container: {
              modprobe: { moduleName: 'rbac' },
              registryTLS: { insecure: true },
              kernelMappings: [
                { regexp: '^6\\.', containerImage: `${env.registry.host}/${repository}:\${KERNEL_FULL_VERSION}` },
              ],
            },
          },
        },
      },
    });
    await admin.apply(mcm);
    const mwPath = `/apis/${RESOURCES.ManifestWork.apiVersion}/namespaces/edge-rbac/manifestworks/rbac`;
    await expect
      .poll(() => http.json<ManifestWork>('GET', mwPath).catch(() => undefined), { timeout: 30_000 })
      .toBeDefined();
    expect(JSON.stringify((await http.json<ManifestWork>('GET', mwPath)).spec)).toContain(pushed.digest);
    const mcmPath = `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules/rbac`;
    await expect
      .poll(async () => (await http.json<ManagedClusterModule>('GET', mcmPath)).status?.numberSelected, {
        timeout: 30_000,
      })
      .toBe(1);
    expect((await http.json<ManagedClusterModule>('GET', mcmPath)).metadata.finalizers?.length).toBe(1);

    const user = `system:serviceaccount:${NAMESPACE}:kmm-hub-controller`;
    const ours = () => readAuditLog(cluster.info.auditLogPath, { username: user });
    // Events are written with the (throttled) status write that follows the ManifestWork.
    await expect
      .poll(() => ours().filter((e) => e.verb === 'create' && e.objectRef?.resource === 'events').length, {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    expect(
      ours()
        .filter((e) => e.responseStatus?.code === 403)
        .map((e) => `${e.verb} ${e.requestURI}`),
    ).toEqual([]);
  });

  it('api: its caches sync and it gets ready with the api service account', async () => {
    api = await startApiHub(apiHubEnv(env, env.oidc, await kubeconfigFor('kmm-hub-api'), `rbac-api-${Date.now()}`));
    await expect.poll(async () => (await request(api!.url).get('/readyz')).status, { timeout: 30_000 }).toBe(200);
    const user = `system:serviceaccount:${NAMESPACE}:kmm-hub-api`;
    expect(
      readAuditLog(cluster.info.auditLogPath, { username: user }).filter((e) => e.responseStatus?.code === 403),
    ).toEqual([]);
  });
});
