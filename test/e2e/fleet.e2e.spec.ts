// End to end, on its own hub and two spokes (real kube-apiservers), with the built hub (role all, buildah
// executor) and two standalone spoke agents as processes: a ManagedClusterModule that builds and signs a real
// kernel module for the two kernels the spokes' Nodes run, and one whose prebuilt image is only pinned. The
// spokes end up with digest-pinned Modules and module-loader DaemonSets per kernel; the fleet API agrees.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESOURCES, type Module } from '@kmm-hub/api';
import { KubeHttp } from '@kmm-hub/kube';
import { RegistryClient, readImageFiles } from '@kmm-hub/oci';
import {
  DEMO_SPOKE_NAMESPACE,
  HELLO_MODULE_NAME,
  modinfo,
  run,
  splitSignedModule,
  ProcessGroup,
  applyDemoModules,
  clientCredentialsToken,
  clusterKubeConfig,
  fleetTable,
  seedDemoFleet,
  startDedicatedCluster,
  startFleetProcesses,
  type DedicatedCluster,
  type EnvState,
  type FleetProcesses,
} from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

const env = inject('env');

describe('demo fleet end to end', () => {
  const clusters: DedicatedCluster[] = [];
  let state: EnvState;
  let fleet: FleetProcesses;
  let seeded: Awaited<ReturnType<typeof seedDemoFleet>>;

  beforeAll(async () => {
    // Own API servers: the hub under test watches its whole cluster, and the agents apply whatever their
    // namespace on the hub holds, so they must not share clusters with other test files.
    const [hub, s1, s2] = await Promise.all(['e2e-hub', 'e2e-a', 'e2e-b'].map((n) => startDedicatedCluster(env, n)));
    clusters.push(hub!, s1!, s2!);
    const rename = (info: DedicatedCluster['info'], name: string) => ({ ...info, name });
    state = { ...env, hub: hub!.info, spokes: [rename(s1!.info, 'spoke-a'), rename(s2!.info, 'spoke-b')] };
    const workDir = mkdtempSync(join(env.workDir, 'e2e-'));
    seeded = await seedDemoFleet(state, workDir);
    fleet = await startFleetProcesses(new ProcessGroup(workDir), state, workDir);
    await applyDemoModules(state, seeded);
    // Every test below looks at the converged fleet, whatever their order: built, signed and delivered.
    // A timeout shows the fleet table as the message.
    await vi.waitFor(
      async () => {
        const table = await fleetTable(state, ['hello-signed', 'hello-prebuilt']);
        expect(table.available, table.rows.join('\n')).toBe(true);
      },
      { timeout: 240_000, interval: 1_000 },
    );
  }, 540_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const c of clusters) await c.stop();
  });

  it('builds, signs and delivers to both spokes until every cluster is Available', async () => {
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    for (const spoke of state.spokes) {
      const http = new KubeHttp(clusterKubeConfig(spoke));
      const module = await http.json<Module>(
        'GET',
        `/apis/${RESOURCES.Module.apiVersion}/namespaces/${DEMO_SPOKE_NAMESPACE}/modules/hello-signed`,
      );
      const kernel = seeded.kernels[spoke.name]!;
      const mapping = module.spec?.moduleLoader?.container.kernelMappings;
      expect(mapping).toHaveLength(1);
      expect(mapping![0]!.literal).toBe(kernel);
      // Pinned to the digest of the signed image now in the registry under the rendered tag.
      const signed = await registry.resolveDigest(`${env.registry.host}/kmm-demo/hello-signed:${kernel}`);
      expect(mapping![0]!.containerImage).toBe(`${env.registry.host}/kmm-demo/hello-signed@${signed!.digest}`);
      // The trimmed Module carries neither build nor sign (nor their Secrets), at any level.
      expect(module.spec?.moduleLoader?.container).not.toHaveProperty('build');
      expect(module.spec?.moduleLoader?.container).not.toHaveProperty('sign');
      expect(mapping![0]).not.toHaveProperty('build');
      expect(mapping![0]).not.toHaveProperty('sign');
      expect(JSON.stringify(module)).not.toContain('demo-signing-key');
      // The agent turned the Module into a module-loader DaemonSet for the kernel its Node runs.
      // The agent turns the Module into a module-loader DaemonSet for the kernel its Node runs.
      type DaemonSetList = {
        items: {
          metadata: { name: string };
          spec: { template: { spec: { nodeSelector?: Record<string, string>; containers: { image: string }[] } } };
        }[];
      };
      const loadersOf = async () =>
        (
          await http.json<DaemonSetList>('GET', `/apis/apps/v1/namespaces/${DEMO_SPOKE_NAMESPACE}/daemonsets`)
        ).items.filter((d) => d.spec.template.spec.containers.some((c) => c.image === mapping![0]!.containerImage));
      await expect.poll(async () => (await loadersOf()).length, { timeout: 30_000 }).toBe(1);
      const loaders = await loadersOf();
      expect(Object.values(loaders[0]!.spec.template.spec.nodeSelector ?? {})).toContain(kernel);
    }
  }, 300_000);

  it('signed the module in each image: modinfo and openssl cms -verify agree', async () => {
    const registry = new RegistryClient({ registry: env.registry.host, insecure: true });
    const dir = mkdtempSync(join(env.workDir, 'e2e-verify-'));
    for (const kernel of new Set(Object.values(seeded.kernels))) {
      const files = await readImageFiles(registry, { image: `${env.registry.host}/kmm-demo/hello-signed:${kernel}` }, [
        `/opt/lib/modules/${kernel}/${HELLO_MODULE_NAME}.ko`,
      ]);
      expect(files.entries).toHaveLength(1);
      const ko = join(dir, `${kernel}.ko`);
      writeFileSync(ko, files.entries[0]!.content!);
      expect(modinfo(ko, 'signer')).toBe('KMM-Hub demo signing key');
      expect(modinfo(ko, 'sig_hashalgo')).toBe('sha256');
      const { module, pkcs7 } = splitSignedModule(readFileSync(ko));
      writeFileSync(`${ko}.content`, module);
      writeFileSync(`${ko}.p7s`, pkcs7);
      const openssl = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${ko}.p7s`, '-content', `${ko}.content`];
      expect(
        run('openssl', [
          ...openssl,
          '-certfile',
          seeded.signingCertPath,
          '-nointern',
          '-noverify',
          '-out',
          '/dev/null',
        ]),
      ).toBe('');
    }
  });

  it('delivers the prebuilt image to the first spoke only, pinned, without a build', async () => {
    const [first, second] = state.spokes;
    const http = new KubeHttp(clusterKubeConfig(first!));
    const module = await http.json<Module>(
      'GET',
      `/apis/${RESOURCES.Module.apiVersion}/namespaces/${DEMO_SPOKE_NAMESPACE}/modules/hello-prebuilt`,
    );
    expect(module.spec?.moduleLoader?.container.kernelMappings[0]?.containerImage).toMatch(
      /hello-prebuilt@sha256:[0-9a-f]{64}$/,
    );
    await expect(
      new KubeHttp(clusterKubeConfig(second!)).json(
        'GET',
        `/apis/${RESOURCES.Module.apiVersion}/namespaces/${DEMO_SPOKE_NAMESPACE}/modules/hello-prebuilt`,
      ),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('answers the fleet API with the same picture, for a viewer token from the real issuer', async () => {
    const token = await clientCredentialsToken(env.oidc, env.oidc.machineClients.viewer);
    // The fleet's overview names the modules; the cluster list names the clusters.
    let body = '';
    for (const path of ['/api/v1/fleet', '/api/v1/clusters']) {
      const res = await fetch(`${fleet.hubUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      body += JSON.stringify(await res.json());
    }
    for (const name of ['spoke-a', 'spoke-b', 'hello-signed', 'hello-prebuilt']) expect(body).toContain(name);
    expect(body).not.toContain('BEGIN PRIVATE KEY');
    const anonymous = await fetch(`${fleet.hubUrl}/api/v1/fleet`);
    expect(anonymous.status).toBe(401);
  });
});
