// The CRDs as a real kube-apiserver applies them: every fixture (upstream samples, the hub e2e manifest, our own
// objects) that upstream accepts is accepted with strict field validation, and malformed ManagedClusterModules are rejected with the
// field at fault named.
import { CoreV1Api } from '@kubernetes/client-node';
import { KubeApiError, ServerSideApplier } from '@kmm-hub/kube';
import { clusterKubeConfig, clientNodeConfig } from '@kmm-hub/test-env';
import { describe, expect, inject, it } from 'vitest';
import { BUILT_IN_KINDS, loadFixtures } from './fixtures.testing.js';
import { newManagedClusterModule } from './object-factories.js';

// Tests deliberately break the typed object, so they reach into it untyped.
// oxlint-disable-next-line typescript/no-explicit-any
type Mutable = Record<string, any>;

const env = inject('env');
const kc = clusterKubeConfig(env.hub);
const applier = new ServerSideApplier(kc, 'crd-proof');
const fixtures = (await loadFixtures()).filter((f) => !BUILT_IN_KINDS.has(`${f.object.apiVersion}/${f.object.kind}`));
/**
 * The fixtures upstream refuses as well: the samples with `kernelMappings: []` fail upstream's CRD (minItems 1), and
 * deploy_kmod.md.6 fails upstream's webhook (both in-tree fields set), which our CRD's CEL rules replace.
 */
const UPSTREAM_REJECTS: Record<string, string> = {
  'kmm/config/samples-hub/hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml#0':
    'ManagedClusterModule.hub.kmm.sigs.x-k8s.io "managedclustermodule-sample" is invalid: spec.moduleSpec.moduleLoader.container.kernelMappings: Invalid value: 0: spec.moduleSpec.moduleLoader.container.kernelMappings in body should have at least 1 items',
  'kmm/config/samples/kmm.sigs.x-k8s.io_modules.yaml#0':
    'Module.kmm.sigs.x-k8s.io "module-sample" is invalid: spec.moduleLoader.container.kernelMappings: Invalid value: 0: spec.moduleLoader.container.kernelMappings in body should have at least 1 items',
  'kmm/docs/mkdocs/documentation/deploy_kmod.md.6.yaml#0':
    'Module.kmm.sigs.x-k8s.io "my-kmod" is invalid: [spec.moduleLoader.container.inTreeModuleToRemove: Invalid value: "my-intree-kmod" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove, spec.moduleLoader.container.kernelMappings: Invalid value: the container sets inTreeModulesToRemove and a kernel mapping sets the deprecated inTreeModuleToRemove "my-intree-kmod"; use inTreeModulesToRemove in both, spec.moduleLoader.container.kernelMappings[2].inTreeModuleToRemove: Invalid value: "my-intree-kmod" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove]',
};
/** Where namespaced fixtures without a namespace go, as `kubectl apply` would put them in its current namespace. */
const DEFAULT_NAMESPACE = 'kmm-fixtures';

async function dryRunCreate(object: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}) {
  const res = await applier.paths.resource(object.apiVersion, object.kind);
  const namespace = res.namespaced ? (object.metadata.namespace ?? DEFAULT_NAMESPACE) : undefined;
  const path = await applier.paths.path({ apiVersion: object.apiVersion, kind: object.kind, namespace });
  return applier.http.json('POST', path, {
    query: { dryRun: 'All', fieldValidation: 'Strict' },
    body: { ...object, metadata: { ...object.metadata, ...(namespace && { namespace }) } },
  });
}

describe('CRDs on a real kube-apiserver', () => {
  it('accepts every fixture unchanged with strict field validation, but those upstream refuses too', async () => {
    const namespaces = [
      ...new Set([DEFAULT_NAMESPACE, ...fixtures.map((f) => f.object.metadata.namespace ?? DEFAULT_NAMESPACE)]),
    ];
    const core = clientNodeConfig(kc).makeApiClient(CoreV1Api);
    for (const name of namespaces) {
      await core.createNamespace({ body: { metadata: { name } } }).catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
    }
    const rejected: Record<string, string> = {};
    for (const f of fixtures) {
      await dryRunCreate(f.object).catch((e: KubeApiError) => (rejected[f.id] = e.message));
    }
    expect(rejected).toEqual(UPSTREAM_REJECTS);
    expect(fixtures.filter((f) => f.object.kind === 'ManagedClusterModule').length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    [
      'a missing spokeNamespace',
      (o: Mutable) => delete o.spec.spokeNamespace,
      422,
      'spec.spokeNamespace: Required value',
    ],
    [
      'an unknown field',
      (o: Mutable) => (o.spec.moduleSpec.moduleLoader.container.kernelMapping = []),
      400,
      'unknown field "spec.moduleSpec.moduleLoader.container.kernelMapping"',
    ],
    ['a wrong type', (o: Mutable) => (o.spec.selector = 'gpu=true'), 422, 'spec.selector: Invalid value: "string"'],
    [
      'a bad kernel-mapping field type',
      (o: Mutable) => (o.spec.moduleSpec.moduleLoader.container.kernelMappings[0].literal = 5),
      422,
      'kernelMappings[0].literal: Invalid value: "integer"',
    ],
  ])('rejects a ManagedClusterModule with %s, naming the field', async (_what, mutate, status, message) => {
    const mcm = structuredClone(newManagedClusterModule()) as unknown as Mutable;
    mcm.metadata = { name: `malformed-${Math.random().toString(36).slice(2, 8)}` };
    mutate(mcm);
    const err = await dryRunCreate(mcm as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(status);
    expect((err as KubeApiError).message).toContain(message);
  });

  it('serves status as a subresource', async () => {
    const mcm = { ...newManagedClusterModule(), metadata: { name: `columns-${Date.now()}` } };
    await applier.apply(mcm);
    await applier.apply(
      {
        apiVersion: mcm.apiVersion,
        kind: mcm.kind,
        metadata: { name: mcm.metadata.name },
        status: { numberSelected: 3 },
      } as never,
      { subresource: 'status' },
    );
    const got = await applier.http.json<{ status?: { numberSelected?: number } }>(
      'GET',
      `/apis/hub.kmm.sigs.x-k8s.io/v1beta1/managedclustermodules/${mcm.metadata.name}`,
    );
    expect(got.status?.numberSelected).toBe(3);
  });
});
