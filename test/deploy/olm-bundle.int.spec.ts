// The OLM bundle of the hub (deploy/olm), checked by the operator framework's own validators
// (github.com/operator-framework/api/pkg/validation, built by test/olm-validate/build.sh), then installed the way OLM
// installs a ClusterServiceVersion on a real hub API server: the CSV itself, its CRDs and plain manifests, a service
// account, Role/ClusterRole and binding per permission, and the Deployments. The RBAC it gives must answer every
// SubjectAccessReview exactly as deploy/hub's does.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig, startDedicatedCluster, type DedicatedCluster } from '@kmm-hub/test-env';
import { MCM_EXAMPLE, OLM_BUNDLE, olmBundleAnnotations } from '../../deploy/scripts/generate.mjs';
import { Buildah } from './buildah.js';
import { parseYamlObjects, REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';
import { ClusterClient } from './cluster-client.js';
import { findObject, type KubeObject, type PolicyRule } from './deploy-files.js';
import { HUB_ACCESS } from './hub-access.js';

const run = promisify(execFile);
const env = inject('env');
const NAMESPACE = 'kmm-hub';

interface Finding {
  manifest: string;
  type: string;
  message: string;
}
interface Report {
  package: string;
  csv: string;
  suites: { name: string; errors: Finding[]; warnings: Finding[] }[];
}
interface Csv extends KubeObject {
  spec: {
    install: {
      spec: {
        permissions: { serviceAccountName: string; rules: PolicyRule[] }[];
        clusterPermissions: { serviceAccountName: string; rules: PolicyRule[] }[];
        deployments: { name: string; label: Record<string, string>; spec: Record<string, unknown> }[];
      };
    };
  };
}

/** The objects of deploy/olm/manifests, as OLM reads them from the bundle image. */
async function loadBundleManifests(): Promise<KubeObject[]> {
  const dir = join(OLM_BUNDLE, 'manifests');
  const objects: KubeObject[] = [];
  for (const name of (await readdir(join(REPO_ROOT, dir))).toSorted()) {
    objects.push(...parseYamlObjects(await readFile(join(REPO_ROOT, dir, name), 'utf8'), join(dir, name)));
  }
  return objects;
}

let validator: string;
async function validate(dir: string): Promise<Report> {
  const { stdout } = await run(validator, [dir], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as Report;
}

beforeAll(async () => {
  // Cached after the first build (scripts/install-deps.sh runs it too).
  const { stdout } = await run('bash', [join(REPO_ROOT, 'test/olm-validate/build.sh')], { timeout: 900_000 });
  validator = stdout.trim();
}, 900_000);

describe('deploy/olm under the operator framework validators', () => {
  let report: Report;
  beforeAll(async () => {
    report = await validate(join(REPO_ROOT, OLM_BUNDLE));
  });

  it('runs the default bundle suites and the optional OperatorHub ones', () => {
    expect(report.package).toBe('kmm-hub');
    expect(report.csv).toBe('kmm-hub.v0.1.0');
    expect(report.suites.map((s) => s.name)).toEqual([
      'ClusterServiceVersionValidator',
      'CustomResourceDefinitionValidator',
      'BundleValidator',
      'OperatorHubValidator',
      'OperatorHubV2Validator',
      'StandardCapabilitiesValidator',
      'StandardCategoriesValidator',
      'ObjectValidator',
      'AlphaDeprecatedAPIsValidator',
      'GoodPracticesValidator',
    ]);
  });

  it('reports no error, and only the warnings listed here', () => {
    expect(report.suites.flatMap((s) => s.errors.map((e) => `${s.name}: ${e.message}`))).toEqual([]);
    expect(report.suites.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w.message}`))).toEqual(EXPECTED_WARNINGS);
  });

  it('reports an error for a bundle whose CSV owns a CRD the bundle lacks', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'kmm-olm-'));
    try {
      await cp(join(REPO_ROOT, OLM_BUNDLE), broken, { recursive: true });
      await rm(join(broken, 'manifests/hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml'));

      const errors = (await validate(broken)).suites.flatMap((s) => s.errors.map((e) => `${s.name}: ${e.message}`));

      expect(
        errors.some(
          (e) => e.startsWith('BundleValidator:') && e.includes('owned CRD') && e.includes('ManagedClusterModule'),
        ),
      ).toBe(true);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('the bundle image built from deploy/Containerfile', () => {
  let buildah: Buildah;
  let workDir: string;
  let container: string | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kmm-olm-image-'));
    buildah = new Buildah(workDir);
    await buildah.init();
  });

  afterAll(async () => {
    if (container) await buildah.exec(['rm', container]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('carries the annotations as labels and a bundle that the validators pass as it is', async () => {
    const tag = 'localhost/kmm-hub-bundle:test';
    await buildah.exec(
      ['bud', '--pull=never', '-f', 'deploy/Containerfile', '--target', 'bundle', '-t', tag, '.'],
      REPO_ROOT,
    );

    const info = JSON.parse(await buildah.exec(['inspect', '--type', 'image', tag])) as {
      OCIv1: { config: { Labels?: Record<string, string> } };
    };
    expect(info.OCIv1.config.Labels).toEqual(expect.objectContaining(olmBundleAnnotations()));
    container = (await buildah.exec(['from', '--pull=never', tag])).trim();
    const root = (await buildah.exec(['mount', container])).trim();
    expect((await readdir(root)).toSorted()).toEqual(['manifests', 'metadata']);
    const report = await validate(root);
    expect(report.csv).toBe('kmm-hub.v0.1.0');
    expect(report.suites.flatMap((s) => s.errors.map((e) => `${s.name}: ${e.message}`))).toEqual([]);
    await buildah.exec(['umount', container]);
  }, 300_000);
});

describe('deploy/olm installed as OLM installs it, on a real hub API server', () => {
  let cluster: DedicatedCluster;
  let hub: ClusterClient;
  let csv: Csv;
  let objects: KubeObject[];
  let applied: Awaited<ReturnType<ClusterClient['applyAll']>>;

  beforeAll(async () => {
    cluster = await startDedicatedCluster(env, 'olm-bundle');
    hub = new ClusterClient(clusterKubeConfig(cluster.info));
    const { stdout } = await run(validator, ['crd'], { maxBuffer: 16 << 20 });
    const { status: _status, ...csvCrd } = JSON.parse(stdout) as KubeObject & { status?: unknown };
    await hub.applyAll([csvCrd as KubeObject]);
    await hub.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });

    const manifests = await loadBundleManifests();
    csv = findObject<Csv>(manifests, 'ClusterServiceVersion', 'kmm-hub.v0.1.0');
    const install = csv.spec.install.spec;
    const inNamespace = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, namespace: NAMESPACE } });
    objects = [
      ...manifests.filter((o) => o.kind === 'CustomResourceDefinition'),
      ...manifests.filter((o) => o.kind !== 'CustomResourceDefinition').map(inNamespace),
    ];
    const serviceAccounts = new Set(
      [...install.permissions, ...install.clusterPermissions].map((p) => p.serviceAccountName),
    );
    for (const name of serviceAccounts) {
      objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NAMESPACE } });
    }
    const binding = (kind: string, roleKind: string, name: string, sa: string, namespace?: string): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NAMESPACE }],
    });
    // OLM names generated RBAC after the CSV and service account; any unique name does here.
    for (const p of install.permissions) {
      const name = `${csv.metadata.name}-${p.serviceAccountName}`;
      objects.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name, namespace: NAMESPACE },
        rules: p.rules,
      });
      objects.push(binding('RoleBinding', 'Role', name, p.serviceAccountName, NAMESPACE));
    }
    for (const p of install.clusterPermissions) {
      const name = `${csv.metadata.name}-${p.serviceAccountName}`;
      objects.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name },
        rules: p.rules,
      });
      objects.push(binding('ClusterRoleBinding', 'ClusterRole', name, p.serviceAccountName));
    }
    for (const d of install.deployments) {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: d.name, namespace: NAMESPACE, labels: d.label },
        spec: d.spec,
      });
    }
    objects.push(MCM_EXAMPLE as KubeObject);
    applied = await hub.applyAll(objects);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('accepts the CSV, its manifests, the RBAC of its permissions, its Deployments and its example', () => {
    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
    );
    for (const o of applied) expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(csv.spec.install.spec.deployments.map((d) => d.name).toSorted()).toEqual([
      'kmm-hub-api',
      'kmm-hub-controller',
      'kmm-hub-worker',
    ]);
  });

  it.each(HUB_ACCESS)('%s: %j → allowed %s, as with deploy/hub', async (serviceAccount, request, allowed) => {
    expect(await hub.serviceAccountCan(serviceAccount, request)).toBe(allowed);
  });
});

// The legacy OperatorHub suite always says that it is deprecated; its replacements report nothing.
const EXPECTED_WARNINGS: string[] = [
  'OperatorHubValidator: Warning: Value : The "operatorhub" validator is deprecated; for equivalent validation use "operatorhub/v2", "standardcapabilities" and "standardcategories" validators',
];
