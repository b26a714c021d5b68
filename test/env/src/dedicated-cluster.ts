import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { installCrds, loadCustomResourceDefinitions } from './crds.js';
import type { ClusterInfo, EnvState } from './env-state.js';
import { clusterKubeConfig } from './environment.js';
import { startApiServer, type RunningApiServer } from './kube-apiserver.js';
import { createCertificateAuthority } from './pki.js';
import { ProcessGroup } from './processes.js';

export interface DedicatedCluster {
  readonly info: ClusterInfo;
  /** PID of the kube-apiserver process (e.g. to SIGSTOP it and test what a silent peer does to a client). */
  readonly pid: number;
  /** Stops the API server (e.g. to test an outage); `restart` brings it back with the same address and data. */
  stopApiServer(): Promise<void>;
  restart(): Promise<ClusterInfo>;
  /** Stops everything this cluster started. */
  stop(): Promise<void>;
}

/**
 * One more API server on the environment's etcd (own prefix, same CA), with the CRDs installed, owned by the
 * calling test file. For tests whose subject watches a whole cluster (a hub controller) or that stop and restart
 * the API server, so that they do not see, or disturb, the objects of other test files.
 */
export async function startDedicatedCluster(
  env: EnvState,
  name: string,
  extraArgs: string[] = [],
): Promise<DedicatedCluster> {
  // Under the environment's folder, removed with it: the folder holds the cluster's admin kubeconfig.
  const group = new ProcessGroup(mkdtempSync(join(env.workDir, `${name}-`)));
  const ca = createCertificateAuthority(env.pkiDir);
  let api: RunningApiServer = await startApiServer(group, {
    name: `${name}-${process.pid}-${Date.now()}`,
    binDir: env.binDir,
    workDir: group.workDir,
    etcdUrl: env.etcdUrl,
    ca,
    extraArgs,
  });
  await installCrds(clusterKubeConfig(api.info), await loadCustomResourceDefinitions());
  return {
    get info() {
      return api.info;
    },
    get pid() {
      return api.proc.pid;
    },
    stopApiServer: () => group.stop(api.proc),
    restart: async () => {
      api = await api.restart();
      return api.info;
    },
    stop: () => group.stopAll(),
  };
}
