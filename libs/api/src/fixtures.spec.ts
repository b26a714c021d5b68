// Every object in test/fixtures (upstream KMM samples, docs and the hub e2e manifest, plus our own OCM objects)
// against the CRD schemas, the way a kube-apiserver with strict field validation checks them, and every
// ManagedClusterModule and Module against the webhook rules.
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { crdSchemaToJsonSchema } from './crd-schema-to-json-schema.js';
import { BUILT_IN_KINDS, loadFixtures, type KubeDocument } from './fixtures.testing.js';
import { loadCustomResourceDefinitions } from './crds.testing.js';
import type { ManagedClusterModule, Module } from './types.js';
import { validateManagedClusterModule } from './validate-managed-cluster-module.js';
import { validateModule } from './validate-module.js';
import type { ValidationIssue } from './validation-result.js';

const crds = await loadCustomResourceDefinitions();
const ajv = new Ajv({ allErrors: true, useDefaults: true, strictTypes: false, strictRequired: false });
const validators = new Map<string, ValidateFunction>(
  crds.flatMap((crd) =>
    crd.spec.versions.map((version) => [
      `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
      ajv.compile(crdSchemaToJsonSchema(version.schema.openAPIV3Schema, { untranslatedCelRules: 'ignore' })),
    ]),
  ),
);

/** Validates like the API server would on create: defaults applied to a copy, then the schema. */
function validateAgainstCrd(object: KubeDocument): string[] {
  const validate = validators.get(`${object.apiVersion}/${object.kind}`);
  if (!validate) return [`no CRD serves ${object.apiVersion} ${object.kind}`];
  return validate(structuredClone(object))
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

const fixtures = await loadFixtures();
const custom = fixtures.filter((f) => !BUILT_IN_KINDS.has(`${f.object.apiVersion}/${f.object.kind}`));
const byKind = (kind: string) => custom.filter((f) => f.object.kind === kind);

/** Fixtures the upstream webhook rejects too, with what we report for them. */
const EXPECTED_WEBHOOK_ISSUES: Record<string, ValidationIssue[]> = {
  // The reference example of docs/mkdocs/documentation/deploy_kmod.md sets both in-tree fields at both levels.
  'kmm/docs/mkdocs/documentation/deploy_kmod.md.6.yaml#0': [
    {
      path: 'spec.moduleLoader.container.inTreeModuleToRemove',
      message: '"my-intree-kmod" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove',
    },
    {
      path: 'spec.moduleLoader.container.kernelMappings[2].inTreeModuleToRemove',
      message: '"my-intree-kmod" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove',
    },
    {
      path: 'spec.moduleLoader.container.kernelMappings[2]',
      message:
        'the container sets the deprecated inTreeModuleToRemove "my-intree-kmod" and this kernel mapping inTreeModulesToRemove; use inTreeModulesToRemove in both',
    },
  ],
};

/**
 * Fixtures upstream's own CRD rejects (config/crd/bases: `kernelMappings` has minItems 1), and so does ours: the
 * upstream samples ship `kernelMappings: []`.
 */
export const EXPECTED_SCHEMA_ERRORS: Record<string, string[]> = {
  'kmm/config/samples/kmm.sigs.x-k8s.io_modules.yaml#0': [
    '/spec/moduleLoader/container/kernelMappings must NOT have fewer than 1 items',
  ],
  'kmm/config/samples-hub/hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml#0': [
    '/spec/moduleSpec/moduleLoader/container/kernelMappings must NOT have fewer than 1 items',
  ],
};

describe('fixtures', () => {
  it('hold the upstream samples, the upstream hub e2e manifest and our own objects', () => {
    const files = new Set(fixtures.map((f) => f.id.split('#')[0]));

    expect(files).toContain('kmm/config/samples/kmm.sigs.x-k8s.io_modules.yaml');
    expect(files).toContain('kmm/config/samples-hub/hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml');
    expect(files).toContain('kmm/ci/managedclustermodule-kmm-ci-build-sign.yaml');
    expect(new Set(custom.map((f) => f.object.kind))).toEqual(
      new Set(crds.map((crd) => crd.spec.names.kind).filter((kind) => kind !== 'ConfigurationPolicy')),
    );
  });

  it.each(custom.map((f) => [f.id, f.object.kind, f] as const))('%s (%s) matches its CRD', (id, __, fixture) => {
    expect(validateAgainstCrd(fixture.object)).toEqual(EXPECTED_SCHEMA_ERRORS[id] ?? []);
  });

  // ConfigurationPolicies travel inside Policies; the framework creates them on the spokes from these definitions.
  const embedded = byKind('Policy').flatMap((f) =>
    ((f.object.spec as { 'policy-templates': { objectDefinition: KubeDocument }[] })['policy-templates'] ?? []).map(
      (template, index) => [`${f.id} policy-templates[${index}]`, template.objectDefinition] as const,
    ),
  );

  it.each(embedded)('%s matches the ConfigurationPolicy CRD', (_, object) => {
    expect(object.kind).toBe('ConfigurationPolicy');
    expect(validateAgainstCrd(object)).toEqual([]);
  });

  it.each(byKind('ManagedClusterModule').map((f) => [f.id, f] as const))(
    '%s passes the ManagedClusterModule webhook rules',
    (id, fixture) => {
      const sut = validateManagedClusterModule(fixture.object as unknown as ManagedClusterModule);

      const expected = EXPECTED_WEBHOOK_ISSUES[id];
      expect(sut).toEqual(expected ? { ok: false, issues: expected } : { ok: true });
    },
  );

  it.each(byKind('Module').map((f) => [f.id, f] as const))('%s passes the Module webhook rules', (id, fixture) => {
    // kubectl puts an object without a namespace into "default"; the name-length rule counts it.
    const object = fixture.object as unknown as Module;
    const module = { ...object, metadata: { namespace: 'default', ...object.metadata } };

    const sut = validateModule(module, { kubernetesVersion: { major: 1, minor: 35 } });

    const expected = EXPECTED_WEBHOOK_ISSUES[id];
    expect(sut).toEqual(expected ? { ok: false, issues: expected } : { ok: true });
  });
});
