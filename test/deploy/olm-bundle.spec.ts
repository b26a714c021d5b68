import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  HUB_BASE,
  OLM_BUNDLE,
  olmBundleAnnotations,
  renderClusterServiceVersion,
} from '../../deploy/scripts/generate.mjs';
import { REPO_ROOT } from '../../deploy/scripts/kustomize.mjs';
import { BASES, loadBase, type KubeObject } from './deploy-files.js';

const read = (path: string) => readFile(join(REPO_ROOT, path), 'utf8');

/** The LABEL lines of the Containerfile's bundle stage, as key → value. */
async function bundleLabels(): Promise<Record<string, string>> {
  const text = await read('deploy/Containerfile');
  const start = text.search(/^FROM scratch AS bundle$/m);
  const next = text.slice(start + 1).search(/^FROM /m);
  const stage = text.slice(start, start + 1 + next).replace(/\\\n/g, ' ');
  const label = /^LABEL (.*)$/m.exec(stage)?.[1] ?? '';
  return Object.fromEntries(
    label
      .trim()
      .split(/\s+/)
      .map((kv) => kv.split('=') as [string, string]),
  );
}

async function csvInput(hubObjects?: KubeObject[]) {
  return {
    hubObjects: hubObjects ?? (await loadBase(HUB_BASE)),
    ocmHubCrds: await loadBase(BASES.ocmHubCrds),
    version: '0.1.0',
    icon: '<svg/>',
  };
}

describe('the OLM bundle image', () => {
  it('labels the bundle stage with exactly the annotations of metadata/annotations.yaml', async () => {
    const annotations = parse(await read(`${OLM_BUNDLE}/metadata/annotations.yaml`)) as {
      annotations: Record<string, string>;
    };

    expect(annotations.annotations).toEqual(olmBundleAnnotations());
    expect(await bundleLabels()).toEqual(olmBundleAnnotations());
  });

  it('copies manifests/ and metadata/ where the annotations say they are', async () => {
    const text = await read('deploy/Containerfile');

    expect(text).toContain(`COPY ${OLM_BUNDLE}/manifests /manifests/\n`);
    expect(text).toContain(`COPY ${OLM_BUNDLE}/metadata /metadata/\n`);
  });
});

describe('renderClusterServiceVersion', () => {
  type Install = {
    deployments: { name: string; spec: unknown }[];
    permissions: { serviceAccountName: string; rules: unknown[] }[];
    clusterPermissions: { serviceAccountName: string; rules: unknown[] }[];
  };
  const install = (csv: KubeObject) => (csv['spec'] as { install: { spec: Install } }).install.spec;

  it('runs the Deployments of deploy/hub unchanged', async () => {
    const hub = await loadBase(HUB_BASE);
    const csv = renderClusterServiceVersion(await csvInput(hub));

    expect(install(csv).deployments).toEqual(
      hub
        .filter((o) => o.kind === 'Deployment')
        .map((d) => expect.objectContaining({ name: d.metadata.name, spec: d['spec'] })),
    );
  });

  it.each([
    ['permissions', 'Role', 'RoleBinding'],
    ['clusterPermissions', 'ClusterRole', 'ClusterRoleBinding'],
  ] as const)(
    'gives each service account in %s the rules its %ss grant in deploy/hub',
    async (field, roleKind, bindingKind) => {
      const hub = await loadBase(HUB_BASE);
      const expected = hub
        .filter((o) => o.kind === bindingKind)
        .map((b) => {
          const roleRef = b['roleRef'] as { name: string };
          const role = hub.find((o) => o.kind === roleKind && o.metadata.name === roleRef.name)!;
          const [subject] = b['subjects'] as { name: string }[];
          return { serviceAccountName: subject!.name, rules: role['rules'] };
        });

      expect(install(renderClusterServiceVersion(await csvInput(hub)))[field]).toEqual(expected);
    },
  );

  const withExtra = async (extra: KubeObject) => csvInput([...(await loadBase(HUB_BASE)), extra]);
  it.each([
    [
      'a kind the bundle cannot carry',
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'cache' } },
      /no place for PersistentVolumeClaim\/cache/,
    ],
    [
      'a RoleBinding of a ClusterRole',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'view', namespace: 'kmm-hub' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'kmm-hub-api', namespace: 'kmm-hub' }],
      },
      /RoleBinding view binds a ClusterRole: OLM permissions cannot say that/,
    ],
    [
      'a binding of a group',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'all' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kmm-hub-api' },
        subjects: [{ kind: 'Group', name: 'system:authenticated' }],
      },
      /ClusterRoleBinding all binds a Group/,
    ],
  ] as const)('refuses %s', async (_case, extra, message) => {
    await expect(withExtra(extra).then(renderClusterServiceVersion)).rejects.toThrow(message);
  });

  it('refuses a Deployment whose service account no permission names', async () => {
    const hub = (await loadBase(HUB_BASE)).filter(
      (o) => !(o.kind === 'RoleBinding' && o.metadata.name === 'kmm-hub-worker'),
    );

    const input = await csvInput(hub);

    expect(() => renderClusterServiceVersion(input)).toThrow(
      /Deployment kmm-hub-worker runs as kmm-hub-worker, which no permission names/,
    );
  });
});
