import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
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
