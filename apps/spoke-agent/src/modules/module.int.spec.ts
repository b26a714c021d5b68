// The Module reconciler (KMM's "Kernel module deployment",
// https://docs.openshift.com/container-platform/4.12/hardware_enablement/kmm-kernel-module-management.html) against the
// real spoke-2 API server. No kubelet or DaemonSet controller runs: the test plays them, creating Nodes with a kernel
// in their status, writing DaemonSet status through the API, and creating a DaemonSet's pod on a node and writing its
// Ready condition as the kubelet would.
import type { V1DaemonSet, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ANNOTATIONS, LABELS, NODE_LABELS, RESOURCES, VERSION_LABELS, newModule, type Module } from '@kmm-hub/api';
import { KubeApiError } from '@kmm-hub/kube';
import {
  adminHttp,
  createNamespace,
  getOrUndefined,
  startAgent,
  uniqueName,
  type RunningAgent,
} from '../spoke-agent.testing.js';
import { ModuleReconciler } from './module.reconciler.js';

const env = inject('env');
const spoke = env.spokes[1]!;
const http = adminHttp(spoke);
const M = RESOURCES.Module;
const POLL = { timeout: 20_000, interval: 100 };

const agents: RunningAgent[] = [];
const nodes: string[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  for (const node of nodes.splice(0)) await http.json('DELETE', `/api/v1/nodes/${node}`).catch(() => undefined);
});

async function setup(prefix: string): Promise<{ ns: string; selector: Record<string, string> }> {
  const ns = uniqueName(prefix);
  await createNamespace(spoke, ns);
  agents.push(await startAgent({ CLUSTER_NAME: ns, SPOKE_KUBECONFIG: spoke.kubeconfigPath, WORK_AGENT: 'false' }));
  return { ns, selector: { [`kmm-test/${ns}`]: 'gpu' } };
}

/**
 * A Node as a kubelet registers it (labels, the kernel in status.nodeInfo) once it is Ready: the API server taints a
 * new node not-ready, and the node lifecycle controller, absent here, would lift that taint; the test does.
 */
async function createNode(name: string, labels: Record<string, string>, kernel: string, taints?: V1Taint[]) {
  nodes.push(name);
  await http.json('POST', '/api/v1/nodes', { body: { metadata: { name, labels } } });
  await http.json('PATCH', `/api/v1/nodes/${name}`, {
    body: { spec: { taints: taints ?? null } },
    contentType: 'application/merge-patch+json',
  });
  await setKernel(name, kernel);
}

async function setKernel(node: string, kernel: string) {
  await http.json('PATCH', `/api/v1/nodes/${node}/status`, {
    body: { status: { nodeInfo: { kernelVersion: kernel } } },
    contentType: 'application/merge-patch+json',
  });
}

/** Plays the DaemonSet controller: writes the counts a DaemonSet reports. */
async function setDaemonSetStatus(ns: string, name: string, desired: number, available: number) {
  await http.json('PATCH', `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/status`, {
    body: {
      status: {
        currentNumberScheduled: desired,
        desiredNumberScheduled: desired,
        numberMisscheduled: 0,
        numberReady: available,
        numberAvailable: available,
        updatedNumberScheduled: desired,
      },
    },
    contentType: 'application/merge-patch+json',
  });
}

/**
 * Plays the DaemonSet controller and the kubelet: creates the DaemonSet's pod on a node from its template (so the API
 * server validates the template as it would for the controller) and writes the pod's Ready condition.
 */
async function runPod(ns: string, dsName: string, node: string, ready: boolean): Promise<V1Pod> {
  const ds = await http.json<V1DaemonSet>('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets/${dsName}`);
  await http
    .json('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name: 'default' } } })
    .catch((err: unknown) => {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    });
  const name = `${dsName}-${node}`.slice(0, 63).replace(/-+$/, '');
  const existing = await getOrUndefined<V1Pod>(http, `/api/v1/namespaces/${ns}/pods/${name}`);
  if (existing === undefined) {
    const template = ds.spec!.template;
    await http.json('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: {
        metadata: {
          name,
          labels: template.metadata?.labels,
          annotations: template.metadata?.annotations,
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: dsName, uid: ds.metadata?.uid, controller: true },
          ],
        },
        spec: { ...template.spec, nodeName: node },
      },
    });
  }
  const status = ready ? 'True' : 'False';
  return http.json<V1Pod>('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, {
    body: {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status, lastTransitionTime: new Date().toISOString() }],
      },
    },
    contentType: 'application/merge-patch+json',
  });
}

const nodeLabels = async (node: string) =>
  (await http.json<V1Node>('GET', `/api/v1/nodes/${node}`)).metadata?.labels ?? {};

async function daemonSets(ns: string): Promise<V1DaemonSet[]> {
  const list = await http.json<{ items: V1DaemonSet[] }>('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets`);
  return list.items.toSorted((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

const names = async (ns: string) => (await daemonSets(ns)).map((d) => d.metadata?.name);
const getModule = (ns: string, name: string) =>
  getOrUndefined<Module>(http, `/apis/${M.group}/${M.version}/namespaces/${ns}/${M.plural}/${name}`);

async function createModule(module: Module): Promise<Module> {
  return http.json<Module>(
    'POST',
    `/apis/${M.group}/${M.version}/namespaces/${module.metadata.namespace}/${M.plural}`,
    {
      body: module,
    },
  );
}

function gpuModule(ns: string, selector: Record<string, string>, spec: Partial<Module['spec']> = {}): Module {
  const module = newModule({ metadata: { name: 'gpu', namespace: ns } });
  const container = module.spec.moduleLoader.container;
  delete container.build;
  container.modprobe = { moduleName: 'gpu_drv', parameters: ['debug=1'], firmwarePath: '/firmware' };
  container.kernelMappings = [
    { literal: '6.1.0-13-amd64', containerImage: 'registry.example/gpu:literal' },
    // Unanchored, as Go's regexp.MatchString: it matches anywhere in the kernel.
    { regexp: '\\.el9', containerImage: 'registry.example/${MOD_NAMESPACE}/${MOD_NAME}:${KERNEL_FULL_VERSION}' },
  ];
  return { ...module, spec: { ...module.spec, selector, imageRepoSecret: { name: 'pull' }, ...spec } };
}

describe(ModuleReconciler.name, () => {
  it('runs one module-loader DaemonSet per kernel of the selected, tolerating nodes and collects a kernel no node runs', async () => {
    const { ns, selector } = await setup('mod-kernels');
    await createNode(`${ns}-a`, selector, '5.14.0-427.13.1.el9_4.x86_64');
    await createNode(`${ns}-b`, selector, '6.1.0-13-amd64');
    await createNode(`${ns}-other`, { unrelated: 'yes' }, '5.14.0-500.el9.x86_64');
    await createNode(`${ns}-tainted`, selector, '5.14.0-999.el9.x86_64', [
      { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
    ]);
    await createNode(`${ns}-unmapped`, selector, '4.18.0-553.el8.x86_64');
    const module = await createModule(gpuModule(ns, selector));

    await expect.poll(() => names(ns), POLL).toEqual(['gpu-5-14-0-427-13-1-el9-4-x86-64', 'gpu-6-1-0-13-amd64']);
    const [el9, debian] = await daemonSets(ns);
    expect(el9?.spec?.template.spec?.nodeSelector).toEqual({
      ...selector,
      [LABELS.kernelVersionFull]: '5.14.0-427.13.1.el9_4.x86_64',
    });
    const container = el9?.spec?.template.spec?.containers[0];
    expect(container?.image).toBe(`registry.example/${ns}/gpu:5.14.0-427.13.1.el9_4.x86_64`);
    expect(container?.securityContext?.privileged).toBe(true);
    expect(container?.lifecycle?.postStart?.exec?.command).toEqual([
      '/bin/sh',
      '-c',
      'mkdir -p /var/lib/firmware && cp -r /firmware/. /var/lib/firmware/ && modprobe -v -d /opt gpu_drv debug=1',
    ]);
    expect(container?.lifecycle?.preStop?.exec?.command?.[2]).toContain('modprobe -r -v -d /opt gpu_drv');
    expect(container?.lifecycle?.preStop?.exec?.command?.[2]).toContain('rm -f "/var/lib/firmware/$f"');
    expect(el9?.spec?.template.spec?.imagePullSecrets).toEqual([{ name: 'pull' }]);
    // Not in the agent's namespace and no serviceAccountName: the namespace's default account, as in KMM.
    expect(el9?.spec?.template.spec?.serviceAccountName).toBeUndefined();
    expect(el9?.metadata?.ownerReferences).toEqual([
      { apiVersion: M.apiVersion, kind: M.kind, name: 'gpu', uid: module.metadata.uid, controller: true },
    ]);
    expect(debian?.spec?.template.spec?.containers[0]?.image).toBe('registry.example/gpu:literal');

    // Nodes carry their kernel as a label, which the DaemonSets select on.
    await expect
      .poll(
        async () =>
          (await http.json<V1Node>('GET', `/api/v1/nodes/${ns}-a`)).metadata?.labels?.[LABELS.kernelVersionFull],
        POLL,
      )
      .toBe('5.14.0-427.13.1.el9_4.x86_64');
    await expect
      .poll(async () => (await getModule(ns, 'gpu'))?.status?.moduleLoader, POLL)
      .toEqual({ nodesMatchingSelectorNumber: 3, desiredNumber: 0, availableNumber: 0 });

    // Node b is upgraded to the el9 kernel: the Debian kernel's DaemonSet is collected.
    await setKernel(`${ns}-b`, '5.14.0-427.13.1.el9_4.x86_64');
    await expect.poll(() => names(ns), POLL).toEqual(['gpu-5-14-0-427-13-1-el9-4-x86-64']);
  });

  it('places the device plugin on nodes labelled module-ready and device-plugin-target, as upstream, and counts from DaemonSet status', async () => {
    const { ns, selector } = await setup('mod-plugin');
    await createNode(`${ns}-a`, selector, '5.14.0-427.13.1.el9_4.x86_64');
    await createNode(`${ns}-b`, selector, '6.1.0-13-amd64');
    await createNode(`${ns}-tainted`, selector, '6.1.0-13-amd64', [
      { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
    ]);
    await createModule(
      gpuModule(ns, selector, {
        devicePlugin: { container: { image: 'registry.example/gpu-plugin:1.0', args: ['--verbose'] } },
      }),
    );
    await expect
      .poll(() => names(ns), POLL)
      .toEqual(['gpu-5-14-0-427-13-1-el9-4-x86-64', 'gpu-6-1-0-13-amd64', 'gpu-device-plugin']);
    const plugin = (await daemonSets(ns)).find((d) => d.metadata?.name === 'gpu-device-plugin');
    const ready = NODE_LABELS.moduleReady(ns, 'gpu');
    const target = NODE_LABELS.devicePluginTarget(ns, 'gpu');
    expect(target).toBe(`kmm.node.kubernetes.io/${ns}.gpu.device-plugin-target`);
    expect(plugin?.spec?.template.spec?.nodeSelector).toEqual({ [ready]: '', [target]: '' });
    expect(plugin?.spec?.template.spec?.containers[0]).toMatchObject({
      name: 'device-plugin',
      image: 'registry.example/gpu-plugin:1.0',
      args: ['--verbose'],
      securityContext: { privileged: true },
    });
    // Selected, schedulable nodes are targets; the tainted one is not (upstream: a draining node loses the label).
    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[target], POLL).toBe('');
    await expect.poll(async () => (await nodeLabels(`${ns}-b`))[target], POLL).toBe('');
    expect((await nodeLabels(`${ns}-tainted`))[target]).toBeUndefined();
    await expect
      .poll(async () => (await getModule(ns, 'gpu'))?.status?.devicePlugin, POLL)
      .toEqual({ nodesMatchingSelectorNumber: 2, desiredNumber: 0, availableNumber: 0 });

    // The el9 loader's pod comes up on node a: a alone now matches the device plugin's node selector.
    await runPod(ns, 'gpu-5-14-0-427-13-1-el9-4-x86-64', `${ns}-a`, true);
    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[ready], POLL).toBe('');
    expect((await nodeLabels(`${ns}-b`))[ready]).toBeUndefined();

    await setDaemonSetStatus(ns, 'gpu-5-14-0-427-13-1-el9-4-x86-64', 1, 1);
    await setDaemonSetStatus(ns, 'gpu-6-1-0-13-amd64', 1, 0);
    await setDaemonSetStatus(ns, 'gpu-device-plugin', 1, 1);
    await expect
      .poll(async () => (await getModule(ns, 'gpu'))?.status, POLL)
      .toEqual({
        moduleLoader: { nodesMatchingSelectorNumber: 2, desiredNumber: 2, availableNumber: 1 },
        devicePlugin: { nodesMatchingSelectorNumber: 2, desiredNumber: 1, availableNumber: 1 },
      });

    // The Module drops its device plugin: the DaemonSet and the target labels go.
    const module = await getModule(ns, 'gpu');
    await http.json('PUT', `/apis/${M.group}/${M.version}/namespaces/${ns}/${M.plural}/gpu`, {
      body: { ...module, spec: { ...module!.spec, devicePlugin: undefined } },
    });
    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[target], POLL).toBeUndefined();
    await expect.poll(() => names(ns), POLL).not.toContain('gpu-device-plugin');
  });

  it('uses the privileged default service accounts for a Module in the agent namespace, and its own when it names one', async () => {
    const { selector } = await setup('mod-sa');
    const agentNs = 'kmm-spoke-agent';
    await createNamespace(spoke, agentNs);
    const name = uniqueName('gpu').slice(0, 20);
    await createNode(`${name}-a`, selector, '6.1.0-13-amd64');
    const module = gpuModule(agentNs, selector, {
      devicePlugin: { container: { image: 'registry.example/plugin:1' }, serviceAccountName: 'own-plugin-sa' },
    });
    module.metadata.name = name;
    await createModule(module);
    const loaderName = `${name}-6-1-0-13-amd64`;
    await expect
      .poll(
        async () =>
          (await daemonSets(agentNs)).find((d) => d.metadata?.name === loaderName)?.spec?.template.spec
            ?.serviceAccountName,
        POLL,
      )
      .toBe('kmm-module-loader');
    await expect
      .poll(
        async () =>
          (await daemonSets(agentNs)).find((d) => d.metadata?.name === `${name}-device-plugin`)?.spec?.template.spec
            ?.serviceAccountName,
        POLL,
      )
      .toBe('own-plugin-sa');
    await http.json('DELETE', `/apis/${M.group}/${M.version}/namespaces/${agentNs}/${M.plural}/${name}`);
    await expect
      .poll(
        async () => (await daemonSets(agentNs)).filter((d) => d.metadata?.labels?.[LABELS.moduleName] === name),
        POLL,
      )
      .toEqual([]);
  });

  it("labels a node <namespace>.<module>.ready while the module loader's pod there is Ready, as upstream KMM", async () => {
    const { ns, selector } = await setup('mod-ready');
    await createNode(`${ns}-a`, selector, '6.1.0-13-amd64');
    await createNode(`${ns}-b`, selector, '6.1.0-13-amd64');
    await createModule(gpuModule(ns, selector));
    await expect.poll(() => names(ns), POLL).toEqual(['gpu-6-1-0-13-amd64']);
    const label = `kmm.node.kubernetes.io/${ns}.gpu.ready`;
    expect(NODE_LABELS.moduleReady(ns, 'gpu')).toBe(label);

    await runPod(ns, 'gpu-6-1-0-13-amd64', `${ns}-a`, true);
    await runPod(ns, 'gpu-6-1-0-13-amd64', `${ns}-b`, false);

    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[label], POLL).toBe('');
    expect((await nodeLabels(`${ns}-b`))[label]).toBeUndefined();
    // The module is unloaded (the container stops being Ready): the label goes.
    await runPod(ns, 'gpu-6-1-0-13-amd64', `${ns}-a`, false);
    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[label], POLL).toBeUndefined();
    // The kernel label the loaders select on stays, as upstream's kmm.node.kubernetes.io/kernel-version.full.
    expect((await nodeLabels(`${ns}-a`))['kmm.node.kubernetes.io/kernel-version.full']).toBe('6.1.0-13-amd64');
  });

  it('labels a node <namespace>.<module>.device-plugin-ready while the device plugin pod there is Ready, and unlabels it when the pod goes', async () => {
    const { ns, selector } = await setup('mod-dp-ready');
    await createNode(`${ns}-a`, selector, '6.1.0-13-amd64');
    await createModule(
      gpuModule(ns, selector, { devicePlugin: { container: { image: 'registry.example/gpu-plugin:1.0' } } }),
    );
    await expect.poll(() => names(ns), POLL).toEqual(['gpu-6-1-0-13-amd64', 'gpu-device-plugin']);
    await runPod(ns, 'gpu-6-1-0-13-amd64', `${ns}-a`, true);
    const label = `kmm.node.kubernetes.io/${ns}.gpu.device-plugin-ready`;
    expect(NODE_LABELS.devicePluginReady(ns, 'gpu')).toBe(label);

    const pod = await runPod(ns, 'gpu-device-plugin', `${ns}-a`, true);

    await expect
      .poll(async () => {
        const labels = await nodeLabels(`${ns}-a`);
        return [labels[label], labels[`kmm.node.kubernetes.io/${ns}.gpu.ready`]];
      }, POLL)
      .toEqual(['', '']);
    await http.json('DELETE', `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}`);
    await expect.poll(async () => (await nodeLabels(`${ns}-a`))[label], POLL).toBeUndefined();
    expect((await nodeLabels(`${ns}-a`))[`kmm.node.kubernetes.io/${ns}.gpu.ready`]).toBe('');
  });

  it('loads a modulesLoadingOrder through a softdep file the API server accepts in the pod', async () => {
    const { ns, selector } = await setup('mod-order');
    await createNode(`${ns}-a`, selector, '6.1.0-13-amd64');
    const module = gpuModule(ns, selector);
    const container = module.spec?.moduleLoader?.container;
    if (container === undefined) throw new Error('gpuModule has a module loader');
    container.modprobe = { moduleName: 'gpu_drv', modulesLoadingOrder: ['gpu_drv', 'gpu_core'] };
    await createModule(module);
    await expect.poll(() => names(ns), POLL).toEqual(['gpu-6-1-0-13-amd64']);

    const pod = await runPod(ns, 'gpu-6-1-0-13-amd64', `${ns}-a`, true);

    expect(pod.metadata?.annotations?.[ANNOTATIONS.modulesOrder]).toBe('softdep gpu_drv pre: gpu_core\n');
    expect(pod.spec?.containers[0]?.lifecycle?.postStart?.exec?.command).toEqual([
      'modprobe',
      '-v',
      '-d',
      '/opt',
      'gpu_drv',
    ]);
    expect(pod.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: 'modules-order',
      mountPath: '/etc/modprobe.d/kmm-modules-order.conf',
      subPath: 'softdep.conf',
      readOnly: true,
    });
  });

  it('deletes the DaemonSets of a deleted Module, the garbage collector being absent', async () => {
    const { ns, selector } = await setup('mod-delete');
    await createNode(`${ns}-a`, selector, '6.1.0-13-amd64');
    await createModule(gpuModule(ns, selector));
    await expect.poll(() => names(ns), POLL).toEqual(['gpu-6-1-0-13-amd64']);
    await http.json('DELETE', `/apis/${M.group}/${M.version}/namespaces/${ns}/${M.plural}/gpu`);
    await expect.poll(() => names(ns), POLL).toEqual([]);
    await expect(
      http.json('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets/gpu-6-1-0-13-amd64`),
    ).rejects.toBeInstanceOf(KubeApiError);
  });
});

/**
 * Plays the DaemonSet controller over the test's nodes: a pod for each node a DaemonSet's node selector matches, a
 * graceful delete (the pod terminates, its preStop runs) of each pod on a node it no longer matches, and the status
 * counts with the generation observed. Then plays the kubelet for new pods: they become Ready.
 */
async function playDaemonSetController(ns: string, nodeNames: readonly string[]): Promise<void> {
  const nodesNow = await Promise.all(nodeNames.map(async (name) => ({ name, labels: await nodeLabels(name) })));
  const pods = (await http.json<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`)).items;
  for (const ds of await daemonSets(ns)) {
    const dsName = ds.metadata?.name ?? '';
    const selector = Object.entries(ds.spec?.template.spec?.nodeSelector ?? {});
    const matching = nodesNow.filter((n) => selector.every(([k, v]) => n.labels[k] === v)).map((n) => n.name);
    const owned = pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid));
    for (const pod of owned) {
      if (matching.includes(pod.spec?.nodeName ?? '') || pod.metadata?.deletionTimestamp) continue;
      await http.json('DELETE', `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}`);
    }
    for (const node of matching) {
      const pod = owned.find((p) => p.spec?.nodeName === node);
      if (pod === undefined || (!pod.metadata?.deletionTimestamp && !isReady(pod)))
        await runPod(ns, dsName, node, true);
    }
    await http.json('PATCH', `/apis/apps/v1/namespaces/${ns}/daemonsets/${dsName}/status`, {
      body: {
        status: {
          observedGeneration: ds.metadata?.generation,
          currentNumberScheduled: matching.length,
          desiredNumberScheduled: matching.length,
          numberMisscheduled: 0,
          numberReady: matching.length,
          numberAvailable: matching.length,
          updatedNumberScheduled: matching.length,
        },
      },
      contentType: 'application/merge-patch+json',
    });
  }
}

const isReady = (pod: V1Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Plays the kubelet once a terminating pod's preStop (the unload) has finished: the pod is gone. */
async function finishTerminating(ns: string): Promise<void> {
  const pods = (await http.json<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`)).items;
  for (const pod of pods.filter((p) => p.metadata?.deletionTimestamp)) {
    await http.json('DELETE', `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}?gracePeriodSeconds=0`);
  }
}

describe('ordered upgrade (spec.moduleLoader.container.version), as upstream KMM v1.1', () => {
  // Upstream v1.1 DaemonSet names (controllers/module_reconciler.go): <module>-<hashstructure of {kernel, version}>
  // and <module>-device-plugin-<hashstructure of {"", version}>; the hashes are Go's (go-hashstructure.spec.ts).
  const EL9 = '5.14.0-427.13.1.el9_4.x86_64';
  const DEB = '6.1.0-13-amd64';
  const DS = {
    el9V1: 'gpu-93c6f321027e07b7',
    el9V2: 'gpu-7c7b04c5d656223',
    debV1: 'gpu-62db06dbb5223e42',
    debV2: 'gpu-55be1d16cb531066',
    pluginV1: 'gpu-device-plugin-3c6d4e29c959ed44',
    pluginV2: 'gpu-device-plugin-8d4d21c997c369dc',
  };

  it('runs two versions side by side while the admin moves nodes one at a time by label, unloading only moved nodes', async () => {
    const { ns, selector } = await setup('mod-ord');
    const [a, b, c] = [`${ns}-a`, `${ns}-b`, `${ns}-c`];
    const admin = `kmm.node.kubernetes.io/version-module.${ns}.gpu`;
    const loader = `beta.kmm.node.kubernetes.io/version-module-loader.${ns}.gpu`;
    const plugin = `beta.kmm.node.kubernetes.io/version-device-plugin.${ns}.gpu`;
    expect([VERSION_LABELS.module(ns, 'gpu'), VERSION_LABELS.moduleLoader(ns, 'gpu')]).toEqual([admin, loader]);
    const ready = NODE_LABELS.moduleReady(ns, 'gpu');
    const pluginReady = NODE_LABELS.devicePluginReady(ns, 'gpu');
    const versionReady = `kmm.node.kubernetes.io/${ns}.gpu.version.ready`;
    expect(NODE_LABELS.moduleVersionReady(ns, 'gpu')).toBe(versionReady);
    // Upgrade step 1: the admin labels the nodes with the current version before the Module uses one.
    await createNode(a, { ...selector, [admin]: 'v1' }, EL9);
    await createNode(b, { ...selector, [admin]: 'v1' }, EL9);
    await createNode(c, { ...selector, [admin]: 'v1' }, DEB);
    const module = gpuModule(ns, selector, { devicePlugin: { container: { image: 'registry.example/plugin:1' } } });
    const loaderSpec = module.spec?.moduleLoader;
    if (loaderSpec === undefined) throw new Error('gpuModule has a module loader');
    loaderSpec.container.version = 'v1';
    await createModule(module);

    /** Per node: the three version labels, the ready labels, and the pods there (terminating ones marked). */
    const snapshot = async () => {
      const pods = (await http.json<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`)).items;
      const out: Record<string, { labels: (string | undefined)[]; pods: string[] }> = {};
      for (const node of [a, b, c]) {
        const labels = await nodeLabels(node);
        out[node] = {
          labels: [
            labels[admin],
            labels[loader],
            labels[plugin],
            labels[ready],
            labels[pluginReady],
            labels[versionReady],
          ],
          pods: pods
            .filter((p) => p.spec?.nodeName === node)
            .map(
              (p) =>
                `${p.metadata?.ownerReferences?.[0]?.name}${p.metadata?.deletionTimestamp ? ' (terminating)' : ''}`,
            )
            .toSorted(),
        };
      }
      return out;
    };
    const converge = async (expected: Record<string, unknown>) =>
      expect
        .poll(async () => {
          await playDaemonSetController(ns, [a, b, c]);
          return snapshot();
        }, POLL)
        .toEqual(expected);
    const on = (labels: (string | undefined)[], pods: string[]) => ({ labels, pods });
    const V1 = ['v1', 'v1', 'v1', '', '', 'v1'];
    const V2 = ['v2', 'v2', 'v2', '', '', 'v2'];

    // v1 everywhere: the agent moved the module-loader label, then (module loaded) the device-plugin label.
    await converge({
      [a]: on(V1, [DS.el9V1, DS.pluginV1]),
      [b]: on(V1, [DS.el9V1, DS.pluginV1]),
      [c]: on(V1, [DS.debV1, DS.pluginV1]),
    });
    const loaderDs = (await daemonSets(ns)).find((d) => d.metadata?.name === DS.el9V1);
    expect(loaderDs?.spec?.template.spec?.nodeSelector).toEqual({
      ...selector,
      [LABELS.kernelVersionFull]: EL9,
      [loader]: 'v1',
    });
    expect(loaderDs?.spec?.template.metadata?.labels).toEqual({
      [LABELS.moduleName]: 'gpu',
      [LABELS.kernelVersionFull]: EL9,
      'kmm.node.kubernetes.io/role': 'module-loader',
      [loader]: 'v1',
    });

    // Upgrade step 2: version and images change together. New DaemonSets come; nothing is unloaded anywhere.
    const stored = await getModule(ns, 'gpu');
    const container = stored?.spec?.moduleLoader?.container;
    if (container === undefined) throw new Error('the stored Module has a module loader');
    container.version = 'v2';
    container.kernelMappings = [
      { literal: DEB, containerImage: 'registry.example/gpu:literal-v2' },
      { regexp: '\\.el9', containerImage: 'registry.example/gpu:${KERNEL_FULL_VERSION}-v2' },
    ];
    await http.json('PUT', `/apis/${M.group}/${M.version}/namespaces/${ns}/${M.plural}/gpu`, { body: stored });
    await expect.poll(() => names(ns), POLL).toEqual(Object.values(DS).toSorted());
    await converge({
      [a]: on(V1, [DS.el9V1, DS.pluginV1]),
      [b]: on(V1, [DS.el9V1, DS.pluginV1]),
      [c]: on(V1, [DS.debV1, DS.pluginV1]),
    });
    const newLoader = (await daemonSets(ns)).find((d) => d.metadata?.name === DS.el9V2);
    expect(newLoader?.spec?.template.spec?.containers[0]?.image).toBe(`registry.example/gpu:${EL9}-v2`);

    /** Upgrade steps 3 to 6 for one node, with the kubelet finishing each terminating pod in turn. */
    const moveNode = async (node: string, newPods: string[], others: Record<string, unknown>) => {
      const [oldLoader, oldPlugin] = (await snapshot())[node]?.pods ?? [];
      await http.json('PATCH', `/api/v1/nodes/${node}`, {
        body: { metadata: { labels: { [admin]: 'v2' } } },
        contentType: 'application/merge-patch+json',
      });
      // The device plugin leaves first; the module loader stays while the device plugin's pod terminates.
      await converge({
        ...others,
        [node]: on(['v2', 'v1', undefined, '', undefined, 'v1'], [oldLoader!, `${oldPlugin} (terminating)`]),
      });
      await finishTerminating(ns);
      // Then the old module loader goes (its preStop unloads v1); v2 is not scheduled while it terminates.
      await converge({
        ...others,
        [node]: on(['v2', undefined, undefined, undefined, undefined, undefined], [`${oldLoader} (terminating)`]),
      });
      await finishTerminating(ns);
      // Then v2 is loaded, and its device plugin comes back.
      await converge({ ...others, [node]: on(V2, newPods) });
    };
    const old = (pods: string[]) => on(V1, pods);
    await moveNode(a, [DS.el9V2, DS.pluginV2], {
      [b]: old([DS.el9V1, DS.pluginV1]),
      [c]: old([DS.debV1, DS.pluginV1]),
    });
    // Two versions side by side: every DaemonSet of both still exists.
    expect(await names(ns)).toEqual(Object.values(DS).toSorted());

    await moveNode(b, [DS.el9V2, DS.pluginV2], {
      [a]: on(V2, [DS.el9V2, DS.pluginV2]),
      [c]: old([DS.debV1, DS.pluginV1]),
    });
    // No node runs v1 on the el9 kernel any more: that DaemonSet is collected, the others stay.
    await expect
      .poll(() => names(ns), POLL)
      .toEqual([DS.debV1, DS.debV2, DS.el9V2, DS.pluginV1, DS.pluginV2].toSorted());

    await moveNode(c, [DS.debV2, DS.pluginV2], {
      [a]: on(V2, [DS.el9V2, DS.pluginV2]),
      [b]: on(V2, [DS.el9V2, DS.pluginV2]),
    });
    await expect.poll(() => names(ns), POLL).toEqual([DS.debV2, DS.el9V2, DS.pluginV2].toSorted());
  });
});
