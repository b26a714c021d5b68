// The demo fleet, shared by `npm start` and the end-to-end test: a real kernel module compiled against Debian's
// headers, a source image and a prebuilt module-loader image in the environment's registry, the hub objects a
// build-and-sign ManagedClusterModule reads (Dockerfile ConfigMap, signing key and certificate Secrets), one
// ManagedCluster per spoke, and a Node per spoke whose kernel differs, then the hub (role all) and one standalone
// spoke agent per spoke as processes from the build output.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOURCES, newManagedClusterModule, type ManagedClusterModule } from '@kmm-hub/api';
import { KubeApiError, ServerSideApplier } from '@kmm-hub/kube';
import type { EnvState } from './env-state.js';
import { clusterKubeConfig } from './environment.js';
import {
  HELLO_MODULE_NAME,
  TestBuildah,
  compileHelloModule,
  createSigningKey,
  pushHelloSourceImage,
  pushModuleLoaderImage,
} from './kmod-fixture.js';
import { applyManagedCluster } from './managed-clusters.js';
import { freePort } from './ports.js';
import type { ProcessGroup, StartedProcess } from './processes.js';
import { waitUntil } from './wait.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const DEMO_HUB_NAMESPACE = 'kmm-hub';
export const DEMO_SPOKE_NAMESPACE = 'kmm-demo';
export const AGENT_NAMESPACE = 'kmm-spoke-agent';
/** Session secret of the demo hub's web sign-in; the demo is local and throw-away. */
const SESSION_SECRET = 'kmm-hub-demo-session-secret-not-for-production';

export interface DemoFleet {
  /** Spoke name → the kernel its Node runs. */
  kernels: Record<string, string>;
  /** Builds from a Dockerfile and signs for every kernel. */
  buildAndSign: ManagedClusterModule;
  /** An image that already exists: only pinned and delivered (spoke-1 only). */
  prebuilt: ManagedClusterModule;
  /** Path of the signing certificate (PEM) the hub signs with, to verify signatures against. */
  signingCertPath: string;
}

function applierFor(state: EnvState, cluster: EnvState['hub']) {
  return new ServerSideApplier(clusterKubeConfig(cluster), 'kmm-demo');
}

async function ensureNamespace(applier: ServerSideApplier, name: string): Promise<void> {
  await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** A second kernel name for spoke 2: only one header package is installed here, so its module is the same object. */
function secondKernel(kernel: string): string {
  const m = /^(\d+\.\d+\.\d+-)(\d+)(-.*)$/.exec(kernel);
  return m ? `${m[1]}${Number(m[2]) + 1}${m[3]}` : `${kernel}-next`;
}

/** Writes a demo Node's status as its kubelet would, Ready and running `kernel`. */
async function setNodeKernel(onSpoke: ServerSideApplier, node: string, kernel: string): Promise<void> {
  await onSpoke.apply(
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node },
      status: {
        nodeInfo: {
          kernelVersion: kernel,
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          architecture: 'amd64',
          operatingSystem: 'linux',
          containerRuntimeVersion: 'containerd://1.7.0',
          kubeletVersion: 'v1.35.4',
          kubeProxyVersion: '',
          machineID: node,
          systemUUID: node,
          bootID: node,
        },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'demo node',
            lastHeartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        ],
      },
    } as never,
    { subresource: 'status' },
  );
}

export async function seedDemoFleet(
  state: EnvState,
  workDir: string,
  log: (line: string) => void = () => undefined,
): Promise<DemoFleet> {
  mkdirSync(workDir, { recursive: true });
  const registry = state.registry.host;
  log('compiling the hello kernel module against Debian kernel headers');
  const module = compileHelloModule(workDir);
  const kernels: Record<string, string> = {};
  state.spokes.forEach((s, i) => (kernels[s.name] = i % 2 === 0 ? module.kernel : secondKernel(module.kernel)));

  log('building the module source image and a prebuilt module-loader image with buildah');
  const buildah = new TestBuildah(workDir);
  const sourceImage = `${registry}/kmm-demo/hello-src:latest`;
  pushHelloSourceImage(buildah, workDir, module, sourceImage);
  pushModuleLoaderImage(buildah, workDir, module, `${registry}/kmm-demo/hello-prebuilt:${module.kernel}`);
  const key = createSigningKey(workDir, 'demo', 'KMM-Hub demo signing key');

  log('creating hub objects: Dockerfile, signing key and certificate, ManagedClusters');
  const hub = applierFor(state, state.hub);
  await ensureNamespace(hub, DEMO_HUB_NAMESPACE);
  await hub.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'hello-dockerfile', namespace: DEMO_HUB_NAMESPACE },
    data: {
      dockerfile: [
        `FROM ${sourceImage}`,
        'ARG KERNEL_FULL_VERSION',
        `RUN mkdir -p /opt/lib/modules/\${KERNEL_FULL_VERSION} && cp /src/${HELLO_MODULE_NAME}.ko /opt/lib/modules/\${KERNEL_FULL_VERSION}/`,
        'CMD ["sleep", "infinity"]',
        '',
      ].join('\n'),
    },
  } as never);
  for (const [name, data] of [
    ['demo-signing-key', { key: key.keyPem }],
    ['demo-signing-cert', { cert: key.certPem }],
  ] as const) {
    await hub.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: DEMO_HUB_NAMESPACE },
      stringData: data,
    } as never);
  }
  for (const spoke of state.spokes) {
    await ensureNamespace(hub, spoke.name);
    await applyManagedCluster(hub, { name: spoke.name, labels: { 'kmm-demo': 'true', name: spoke.name } });
    const onSpoke = applierFor(state, spoke);
    for (const ns of [DEMO_SPOKE_NAMESPACE, AGENT_NAMESPACE]) await ensureNamespace(onSpoke, ns);
    const node = `${spoke.name}-worker-0`;
    await onSpoke.apply({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node, labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/hostname': node } },
    } as never);
    await setNodeKernel(onSpoke, node, kernels[spoke.name]!);
    // The API server taints new Nodes node.kubernetes.io/not-ready; the node lifecycle controller (not running here)
    // lifts it once the Node is Ready, so do its part.
    await onSpoke.http.json('PATCH', `/api/v1/nodes/${node}`, {
      body: { spec: { taints: null } },
      contentType: 'application/merge-patch+json',
    });
  }

  const loader = (image: string, extra: object) => ({
    modprobe: { moduleName: HELLO_MODULE_NAME },
    registryTLS: { insecure: true },
    kernelMappings: [{ regexp: '^.+$', containerImage: image, ...extra }],
  });
  const buildAndSign = newManagedClusterModule({
    metadata: { name: 'hello-signed' },
    spec: {
      spokeNamespace: DEMO_SPOKE_NAMESPACE,
      selector: { 'kmm-demo': 'true' },
      moduleSpec: {
        selector: { 'node-role.kubernetes.io/worker': '' },
        moduleLoader: {
          container: loader(`${registry}/kmm-demo/hello-signed:\${KERNEL_FULL_VERSION}`, {
            // The source image is in the local registry over plain HTTP.
            build: { dockerfileConfigMap: { name: 'hello-dockerfile' }, baseImageRegistryTLS: { insecure: true } },
            sign: {
              keySecret: { name: 'demo-signing-key' },
              certSecret: { name: 'demo-signing-cert' },
              filesToSign: [`/opt/lib/modules/\${KERNEL_FULL_VERSION}/${HELLO_MODULE_NAME}.ko`],
            },
          }) as never,
        },
      },
    },
  });
  const prebuilt = newManagedClusterModule({
    metadata: { name: 'hello-prebuilt' },
    spec: {
      spokeNamespace: DEMO_SPOKE_NAMESPACE,
      selector: { name: state.spokes[0]?.name ?? 'spoke-1' },
      moduleSpec: {
        selector: { 'node-role.kubernetes.io/worker': '' },
        moduleLoader: { container: loader(`${registry}/kmm-demo/hello-prebuilt:\${KERNEL_FULL_VERSION}`, {}) as never },
      },
    },
  });
  return { kernels, buildAndSign, prebuilt, signingCertPath: key.certPath };
}

export async function applyDemoModules(state: EnvState, fleet: DemoFleet): Promise<void> {
  const hub = applierFor(state, state.hub);
  for (const mcm of [fleet.buildAndSign, fleet.prebuilt]) await hub.apply(mcm);
}

export interface FleetProcesses {
  hubUrl: string;
  /** The hub, then one agent per spoke; output in each one's logPath. */
  processes: StartedProcess[];
  stop(): Promise<void>;
}

/** The hub environment that trusts the test environment's OIDC issuer. */
export function demoHubEnv(state: EnvState, port: number, workDir: string): Record<string, string> {
  return {
    HUB_ROLE: 'all',
    HUB_PORT: String(port),
    HUB_HOST: '127.0.0.1',
    HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    HUB_KUBECONFIG: state.hub.kubeconfigPath,
    HUB_NAMESPACE: DEMO_HUB_NAMESPACE,
    REDIS_URL: state.redis.url,
    QUEUE_PREFIX: `kmm-demo-${Date.now()}`,
    BUILD_EXECUTOR: 'buildah',
    BUILDAH_STORAGE_DRIVER: 'vfs',
    BUILDAH_ROOT: join(workDir, 'hub-buildah', 'graph'),
    BUILDAH_RUNROOT: join(workDir, 'hub-buildah', 'run'),
    BUILD_CONCURRENCY: '2',
    RECHECK_INTERVAL_S: '5',
    OIDC_ISSUER_URL: state.oidc.issuer,
    OIDC_AUDIENCE: state.oidc.audience,
    OIDC_CLIENT_ID: state.oidc.clientId,
    OIDC_CLIENT_SECRET: state.oidc.clientSecret,
    OIDC_SESSION_SECRET: SESSION_SECRET,
    OIDC_ALLOW_HTTP: 'true',
    OIDC_GROUPS_CLAIM: state.oidc.groupsClaim,
    OIDC_ADMIN_GROUPS: state.oidc.groups.admin,
    OIDC_VIEWER_GROUPS: state.oidc.groups.viewer,
    LOG_LEVEL: 'warn',
  };
}

/**
 * Starts the hub (role all) and one standalone spoke agent per spoke from apps/*\/dist, in `group` like every other
 * server (own log file, stopped by PID, dead with the process that started them); resolves once each serves
 * /healthz.
 */
export async function startFleetProcesses(
  group: ProcessGroup,
  state: EnvState,
  workDir: string,
): Promise<FleetProcesses> {
  for (const entry of ['apps/hub/dist/main.js', 'apps/spoke-agent/dist/main.js']) {
    if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run npm run build first`);
  }
  const processes: StartedProcess[] = [];
  const healthz: Promise<void>[] = [];
  const run = (name: string, entry: string, port: number, vars: Record<string, string>) => {
    const proc = group.start(name, process.execPath, ['--enable-source-maps', join(ROOT, entry)], {
      cwd: ROOT,
      env: { ...process.env, ...vars },
    });
    processes.push(proc);
    const url = `http://127.0.0.1:${port}/healthz`;
    healthz.push(
      waitUntil(name, async () => (await fetch(url)).ok, {
        exited: proc.exited,
        logPath: proc.logPath,
        timeoutMs: 120_000,
      }),
    );
  };
  const stop = async () => {
    await Promise.all(processes.map((p) => group.stop(p)));
  };
  const port = await freePort();
  run('hub', 'apps/hub/dist/main.js', port, demoHubEnv(state, port, workDir));
  for (const spoke of state.spokes) {
    const agentPort = await freePort();
    run(`spoke-agent-${spoke.name}`, 'apps/spoke-agent/dist/main.js', agentPort, {
      SPOKE_PORT: String(agentPort),
      SPOKE_HOST: '127.0.0.1',
      CLUSTER_NAME: spoke.name,
      HUB_KUBECONFIG: state.hub.kubeconfigPath,
      SPOKE_KUBECONFIG: spoke.kubeconfigPath,
      AGENT_NAMESPACE,
      STANDALONE: 'true',
      STATUS_SYNC_SECONDS: '2',
      CLUSTER_STATUS_SECONDS: '5',
      LOG_LEVEL: 'warn',
    });
  }
  try {
    await Promise.all(healthz);
  } catch (err) {
    await stop();
    throw err;
  }
  return { hubUrl: `http://127.0.0.1:${port}`, processes, stop };
}

export interface DemoUpgrade {
  spoke: string;
  kernel: string;
  /** From announcing the kernel in spec.upcomingKernels to its image being Ready. */
  prebuildMs: number;
  /** From the spoke's Node reporting the kernel to the cluster being Available with it. */
  toAvailableMs: number;
}

/**
 * One kernel upgrade as a fleet does it: the next kernel is announced on hello-signed (`spec.upcomingKernels`), the
 * hub builds and signs its image ahead, then the last spoke's Node moves to it; measured until that cluster is
 * Available with the new kernel. The last spoke runs hello-signed only (hello-prebuilt has no image for new kernels).
 */
export async function demoKernelUpgrade(
  state: EnvState,
  fleet: DemoFleet,
  stopping: () => boolean,
  log: (line: string) => void = () => undefined,
): Promise<DemoUpgrade | undefined> {
  const spoke = state.spokes.at(-1);
  if (spoke === undefined) return undefined;
  const kernel = secondKernel(fleet.kernels[spoke.name] ?? '');
  const hub = applierFor(state, state.hub);
  const name = fleet.buildAndSign.metadata.name ?? '';
  const mcm = () =>
    hub.http.json<ManagedClusterModule>(
      'GET',
      `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules/${name}`,
    );
  const poll = async (done: () => Promise<boolean>): Promise<boolean> => {
    while (!stopping()) {
      if (await done()) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  };
  log(`upgrade: announcing kernel ${kernel} in ${name} spec.upcomingKernels; the hub builds and signs it ahead`);
  const announced = Date.now();
  await hub.apply({ ...fleet.buildAndSign, spec: { ...fleet.buildAndSign.spec, upcomingKernels: [kernel] } });
  const prebuilt = await poll(async () => {
    const entry = (await mcm()).status?.upcomingKernels?.find((k) => k.kernel === kernel);
    if (entry?.state === 'Failed') throw new Error(`prebuilding ${kernel} failed: ${entry.message ?? ''}`);
    return entry?.state === 'Ready';
  });
  if (!prebuilt) return undefined;
  const prebuildMs = Date.now() - announced;
  log(`upgrade: ${kernel} prebuilt in ${(prebuildMs / 1000).toFixed(1)} s; moving ${spoke.name}'s Node to it`);
  const moved = Date.now();
  await setNodeKernel(applierFor(state, spoke), `${spoke.name}-worker-0`, kernel);
  const available = await poll(async () => {
    const cluster = (await mcm()).status?.clusters?.find((c) => c.name === spoke.name);
    return (
      cluster?.manifestWork?.available === true &&
      cluster.kernels?.some((k) => k.kernel === kernel && k.state === 'Ready') === true
    );
  });
  if (!available) return undefined;
  return { spoke: spoke.name, kernel, prebuildMs, toAvailableMs: Date.now() - moved };
}

/** One line per (module, cluster): state, kernels and why, from the MCM status the hub writes. */
export async function fleetTable(state: EnvState, names: string[]): Promise<{ rows: string[]; available: boolean }> {
  const hub = applierFor(state, state.hub);
  const rows: string[] = [];
  let available = true;
  for (const name of names) {
    let mcm: ManagedClusterModule;
    try {
      mcm = await hub.http.json<ManagedClusterModule>(
        'GET',
        `/apis/${RESOURCES.ManagedClusterModule.apiVersion}/managedclustermodules/${name}`,
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) {
        available = false;
        continue;
      }
      throw err;
    }
    const clusters = mcm.status?.clusters ?? [];
    if (clusters.length === 0) available = false;
    for (const c of clusters) {
      const kernels = (c.kernels ?? [])
        .map((k) => `${k.kernel}=${k.state}${k.digest ? `@${k.digest.slice(7, 19)}` : ''}`)
        .join(' ');
      const ok = c.manifestWork?.available === true;
      if (!ok) available = false;
      rows.push(
        `${name.padEnd(15)} ${c.name.padEnd(9)} ${(ok ? 'Available' : c.state).padEnd(12)} ${kernels}${ok ? '' : `  ${c.reason ?? ''}`}`,
      );
    }
  }
  return { rows, available };
}
