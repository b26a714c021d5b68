import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeConfig, type KubeClientConfig } from '@kmm-hub/kube';
import { installCrds, loadCustomResourceDefinitions } from './crds.js';
import type { ClusterInfo, EnvState } from './env-state.js';
import { startEtcd } from './etcd.js';
import { startOidcIssuer, type RunningOidcIssuer } from './oidc-issuer.js';
import { startApiServer, type RunningApiServer } from './kube-apiserver.js';
import { createCertificateAuthority } from './pki.js';
import { ENV_DIR_PREFIX, ProcessGroup, reapOrphans } from './processes.js';
import { startRedis } from './redis.js';
import { startRegistry } from './registry.js';

export interface EnvironmentOptions {
  /** Number of spoke API servers (spoke-1 … spoke-N). */
  spokes?: number;
  /** Keep the work directory (logs, data) after stop. */
  keepWorkDir?: boolean;
  log?: (line: string) => void;
}

export interface Environment {
  state: EnvState;
  /** The environment's servers; more started here (the demo's hub and agents) stop with it and die with us. */
  processes: ProcessGroup;
  /** Starts one more API server on the shared etcd (own prefix), CRDs installed; stopped with the environment. */
  startCluster(name: string, extraArgs?: string[]): Promise<RunningApiServer>;
  stop(): Promise<void>;
}

const REGISTRY_USER = { username: 'kmm', password: 'kmm-test-password' };

/** Folder with kube-apiserver and etcd: KUBEBUILDER_ASSETS, or the cached build of the official Go modules. */
export function controlPlaneBinaries(): string {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'build-binaries.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export async function startEnvironment(opts: EnvironmentOptions = {}): Promise<Environment> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const reaped = reapOrphans();
  if (reaped.length > 0) log(`reaped servers left by a dead run: ${reaped.join(', ')}`);
  const binDir = controlPlaneBinaries();
  const workDir = mkdtempSync(join(tmpdir(), ENV_DIR_PREFIX));
  const group = new ProcessGroup(workDir, { keepWorkDir: opts.keepWorkDir ?? false });
  // Exiting without stop() (a signal while still starting, a crash): the group's own 'exit' hook, registered first,
  // SIGKILLs the servers; then their files go. A start that fails keeps them for its error message.
  const removeWorkDir = () => execFileSync('rm', ['-rf', workDir]);
  if (!opts.keepWorkDir) process.once('exit', removeWorkDir);
  const crds = await loadCustomResourceDefinitions();
  // In-process (a library, not a server binary): stopped with the environment, not by PID.
  let oidc: RunningOidcIssuer | undefined;
  try {
    oidc = await startOidcIssuer();
    const ca = createCertificateAuthority(join(workDir, 'pki'));
    const [etcd, redis, registry, authRegistry] = await Promise.all([
      startEtcd(group, binDir, workDir),
      startRedis(group, workDir),
      startRegistry(group, workDir, 'registry'),
      startRegistry(group, workDir, 'registry-auth', REGISTRY_USER),
    ]);
    const startCluster = async (name: string, extraArgs: string[] = []): Promise<RunningApiServer> => {
      const api = await startApiServer(group, { name, binDir, workDir, etcdUrl: etcd.url, ca, extraArgs });
      await installCrds(clusterKubeConfig(api.info), crds);
      return api;
    };
    const names = ['hub', ...Array.from({ length: opts.spokes ?? 2 }, (_, i) => `spoke-${i + 1}`)];
    const clusters = await Promise.all(names.map((n) => startCluster(n)));
    const [hub, ...spokes] = clusters.map((c) => c.info) as [ClusterInfo, ...ClusterInfo[]];
    const state: EnvState = {
      workDir,
      pkiDir: join(workDir, 'pki'),
      binDir,
      etcdUrl: etcd.url,
      hub,
      spokes,
      redis: { url: redis.url, host: redis.host, port: redis.port },
      registry: registry.info,
      authRegistry: authRegistry.info,
      oidc: oidc.info,
    };
    writeFileSync(join(workDir, 'env.json'), JSON.stringify(state, null, 2));
    log(`environment up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${workDir}`);
    return {
      state,
      processes: group,
      startCluster,
      stop: async () => {
        await oidc?.stop();
        await group.stopAll();
        if (!opts.keepWorkDir) removeWorkDir();
        process.off('exit', removeWorkDir);
      },
    };
  } catch (err) {
    process.off('exit', removeWorkDir);
    await oidc?.stop();
    await group.stopAll();
    throw new Error(`test environment failed to start (work dir ${workDir})`, { cause: err });
  }
}

export function clusterKubeConfig(c: ClusterInfo) {
  return createKubeConfig({ kind: 'token', name: c.name, server: c.server, token: c.adminToken, caPem: c.caPem });
}

/**
 * @kubernetes/client-node's KubeConfig for the same cluster and credential, for tests that set up objects with its
 * typed clients. Product code never loads that package at run time (see KubeClientConfig).
 */
export function clientNodeConfig(kc: KubeClientConfig): KubeConfig {
  if (kc.user.token === undefined) throw new Error('clientNodeConfig: only token credentials are supported in tests');
  const out = new KubeConfig();
  const name = kc.cluster.name;
  out.loadFromOptions({
    clusters: [
      {
        name,
        server: kc.server,
        caData: kc.cluster.caPem ? Buffer.from(kc.cluster.caPem).toString('base64') : undefined,
        skipTLSVerify: kc.cluster.insecureSkipTLSVerify,
      },
    ],
    users: [{ name, token: kc.user.token }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return out;
}
