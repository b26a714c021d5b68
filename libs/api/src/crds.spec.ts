import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { RESOURCES } from './constants.js';
import { crdSchemaToJsonSchema } from './crd-schema-to-json-schema.js';
import { loadCustomResourceDefinitions } from './crds.testing.js';
import type { CustomResourceDefinition, OpenApiV3Schema } from './custom-resource-definition.js';

const crds = await loadCustomResourceDefinitions();
const byKind = new Map(crds.map((crd) => [crd.spec.names.kind, crd]));

function schemaOf(kind: string): OpenApiV3Schema {
  const crd = byKind.get(kind);
  if (!crd?.spec.versions[0]) throw new Error(`no CRD for ${kind}`);
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

/** The schema without its own description, which legitimately differs where the same type is reused. */
function withoutDescription(schema: OpenApiV3Schema): OpenApiV3Schema {
  return Object.fromEntries(Object.entries(schema).filter(([keyword]) => keyword !== 'description'));
}

describe('loadCustomResourceDefinitions', () => {
  it('loads one CRD per resource, named <plural>.<group>', () => {
    expect(crds.map((crd) => crd.metadata.name).toSorted()).toEqual([
      'appliedmanifestworks.work.open-cluster-management.io',
      'clusterclaims.cluster.open-cluster-management.io',
      'configurationpolicies.policy.open-cluster-management.io',
      'managedclustermodules.hub.kmm.sigs.x-k8s.io',
      'managedclusters.cluster.open-cluster-management.io',
      'manifestworks.work.open-cluster-management.io',
      'modules.kmm.sigs.x-k8s.io',
      'placementbindings.policy.open-cluster-management.io',
      'placementdecisions.cluster.open-cluster-management.io',
      'placementrules.apps.open-cluster-management.io',
      'placements.cluster.open-cluster-management.io',
      'policies.policy.open-cluster-management.io',
      'preflightvalidations.hub.kmm.sigs.x-k8s.io',
    ]);
  });

  it.each(crds.map((crd) => [crd.metadata.name, crd] as const))('%s matches its RESOURCES entry', (_, crd) => {
    const sut = RESOURCES[crd.spec.names.kind as keyof typeof RESOURCES];
    const storage = crd.spec.versions.find((v) => v.storage);

    expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
    expect(sut).toEqual({
      group: crd.spec.group,
      version: storage?.name,
      apiVersion: `${crd.spec.group}/${storage?.name}`,
      kind: crd.spec.names.kind,
      plural: crd.spec.names.plural,
      namespaced: crd.spec.scope === 'Namespaced',
    });
  });

  it.each(crds.map((crd) => [crd.metadata.name, crd] as const))(
    '%s serves one version with a status subresource when it has a status',
    (_, crd: CustomResourceDefinition) => {
      const [sut, ...others] = crd.spec.versions;

      expect(others).toEqual([]);
      expect(sut).toMatchObject({ served: true, storage: true });
      expect(sut?.subresources?.status !== undefined).toBe(
        sut?.schema.openAPIV3Schema.properties?.status !== undefined && crd.spec.names.kind !== 'ClusterClaim',
      );
    },
  );
});

describe('CRD schemas', () => {
  it('give ManagedClusterModule.spec.moduleSpec exactly the schema of Module.spec', () => {
    // The Module spec is written twice (once per CRD); this keeps the copies equal.
    const sut = schemaOf('ManagedClusterModule').properties?.spec?.properties?.moduleSpec;
    const moduleSpec = schemaOf('Module').properties?.spec;

    expect(sut && withoutDescription(sut)).toEqual(moduleSpec && withoutDescription(moduleSpec));
  });

  it('type every metav1.Condition list the same way', () => {
    const conditionLists = [
      schemaOf('ManagedClusterModule').properties?.status?.properties?.conditions,
      schemaOf('ManagedCluster').properties?.status?.properties?.conditions,
      schemaOf('ManifestWork').properties?.status?.properties?.conditions,
      schemaOf('Placement').properties?.status?.properties?.conditions,
    ];

    const [sut, ...others] = conditionLists.map((list) => list && withoutDescription(list));

    for (const other of others) expect(other).toEqual(sut);
  });

  it.each(crds.map((crd) => [crd.spec.names.kind, crd] as const))('of %s compile as strict JSON Schema', (_, crd) => {
    // strictSchema catches keywords JSON Schema does not know (a leftover x-kubernetes-*); strictTypes and
    // strictRequired would flag patterns Kubernetes uses on purpose (int-or-string with a pattern, not/required).
    const ajv = new Ajv({ strictSchema: true, strictTypes: false, strictRequired: false, useDefaults: true });

    const sut = () =>
      ajv.compile(
        crdSchemaToJsonSchema(crd.spec.versions[0]!.schema.openAPIV3Schema, { untranslatedCelRules: 'ignore' }),
      );

    expect(sut).not.toThrow();
  });
});
