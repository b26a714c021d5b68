import { readdir, readFile } from 'node:fs/promises';
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { CRD_DIRECTORY, parseCustomResourceDefinition, type CustomResourceDefinition } from '@kmm-hub/api';
import { ServerSideApplier, type KubeClientConfig } from '@kmm-hub/kube';
import { waitUntil } from './wait.js';

/** Applies CRDs and waits until the API server serves them (Established and NamesAccepted). */
export async function installCrds(kc: KubeClientConfig, crds: readonly KubernetesObject[]): Promise<void> {
  const applier = new ServerSideApplier(kc, 'kmm-test-env');
  for (const crd of crds)
    await applier.apply({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', ...crd });
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    await waitUntil(
      `CRD ${name} established`,
      async () => {
        const got = await applier.http.json<V1CustomResourceDefinition>(
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        const conds = got.status?.conditions ?? [];
        return ['Established', 'NamesAccepted'].every((t) => conds.some((c) => c.type === t && c.status === 'True'));
      },
      { timeoutMs: 30_000 },
    );
  }
}

/** Every CRD of libs/api/crds (read here, so libs/api stays free of I/O), in file-name order (group, then plural). */
export async function loadCustomResourceDefinitions(): Promise<CustomResourceDefinition[]> {
  const names = (await readdir(CRD_DIRECTORY)).filter((name) => name.endsWith('.yaml')).toSorted();
  return Promise.all(
    names.map(async (name) => {
      const url = new URL(name, CRD_DIRECTORY);
      return parseCustomResourceDefinition(await readFile(url, 'utf8'), url.pathname);
    }),
  );
}
