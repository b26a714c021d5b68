// Test harness for the spoke agent's integration tests: runs the real Nest application context against the real
// API servers of test/env, and gives tests the few API calls they need to act as hub admin, kubelet or user.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { RESOURCES, type Manifest, type ManifestWork } from '@kmm-hub/api';
import {
  BUILTIN_RESOURCES,
  KubeHttp,
  ResourceClient,
  ServerSideApplier,
  isAlreadyExists,
  isNotFound,
  resourcePath,
} from '@kmm-hub/kube';
import { clusterKubeConfig, renderKubeconfig, type ClusterInfo } from '@kmm-hub/test-env';
import { parseSpokeConfig, type SpokeConfig } from './config/config.schema.js';
import { SpokeAgentModule } from './spoke-agent.module.js';

const REPO = new URL('../../../', import.meta.url).pathname;

/** A unique DNS label for this test: `<prefix>-<base36 time><random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** Raw JSON access to a test cluster as its admin. */
export function adminHttp(cluster: ClusterInfo): KubeHttp {
  return new KubeHttp(clusterKubeConfig(cluster));
}

export function adminApplier(cluster: ClusterInfo): ServerSideApplier {
  return new ServerSideApplier(clusterKubeConfig(cluster), 'kmm-test');
}

export async function createNamespace(cluster: ClusterInfo, name: string): Promise<void> {
  await new ResourceClient(adminHttp(cluster), BUILTIN_RESOURCES.Namespace)
    .create({ metadata: { name } })
    .catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
}

/**
 * Writes a kubeconfig for `token` on `cluster` into a fresh folder under `workDir` (the test environment's, removed
 * with it), so no credential outlives the run.
 */
export function writeKubeconfig(workDir: string, cluster: ClusterInfo, token: string): string {
  const path = join(mkdtempSync(join(workDir, 'kubeconfig-')), 'kubeconfig.yaml');
  writeFileSync(path, renderKubeconfig(cluster.name, cluster.server, cluster.caPem, token));
  return path;
}

/** A token for a ServiceAccount from the TokenRequest API. */
export async function serviceAccountToken(cluster: ClusterInfo, namespace: string, name: string): Promise<string> {
  const answer = await new ResourceClient(adminHttp(cluster), BUILTIN_RESOURCES.ServiceAccount).createSubresource<{
    status: { token: string };
  }>(
    name,
    'token',
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    { namespace },
  );
  return answer.status.token;
}

/** The objects of a YAML file under deploy/, with `${VAR}` placeholders substituted. */
export function loadManifests(relativePath: string, vars: Record<string, string> = {}): KubernetesObject[] {
  let text = readFileSync(join(REPO, relativePath), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`\${${k}}`, v);
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

/** Server-side applies objects as the cluster admin (namespaces first, as they come in the files). */
export async function applyAll(cluster: ClusterInfo, objects: readonly KubernetesObject[]): Promise<void> {
  const applier = adminApplier(cluster);
  for (const obj of objects) {
    if (obj.kind === 'Namespace' || obj.metadata?.namespace === undefined) {
      await applier.apply(obj);
      continue;
    }
    await createNamespace(cluster, obj.metadata.namespace);
    await applier.apply(obj);
  }
}

export interface RunningAgent {
  readonly app: INestApplicationContext;
  readonly config: SpokeConfig;
  stop(): Promise<void>;
}

/**
 * Starts the agent in this process with the given environment-style configuration (the defaults are test friendly:
 * fast periods, quiet logs). Stop it with `stop()`; `using`-style cleanup is left to the test.
 */
export async function startAgent(env: Record<string, string | undefined>): Promise<RunningAgent> {
  const config = parseSpokeConfig({
    LOG_LEVEL: process.env.KMM_TEST_LOG ?? 'fatal',
    STATUS_SYNC_SECONDS: '0.5',
    WORK_RESYNC_SECONDS: '2',
    CLUSTER_STATUS_SECONDS: '1',
    MAX_BACKOFF_SECONDS: '1',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(SpokeAgentModule.register(config), {
    logger: false,
    abortOnError: false,
  });
  let stopped = false;
  return {
    app,
    config,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
  };
}

const { ManifestWork: MW } = RESOURCES;

export function manifestWorkPath(namespace: string, name?: string): string {
  return resourcePath(MW, { namespace, name });
}

/** A ManifestWork in the cluster's hub namespace. */
export function newManifestWork(
  cluster: string,
  name: string,
  manifests: Record<string, unknown>[],
  spec: Partial<NonNullable<ManifestWork['spec']>> = {},
): ManifestWork {
  return {
    apiVersion: MW.apiVersion,
    kind: MW.kind,
    metadata: { name, namespace: cluster },
    spec: { workload: { manifests: manifests as Manifest[] }, ...spec },
  };
}

/** A ConfigMap manifest. */
export function configMap(namespace: string, name: string, data: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export async function getOrUndefined<T>(http: KubeHttp, path: string): Promise<T | undefined> {
  try {
    return await http.json<T>('GET', path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The condition of a type, from a status conditions list. */
export function conditionOf<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}
