import { beforeAll, describe, expect, it } from 'vitest';
import { BASES, loadBase, type KubeObject, type PolicyRule } from './deploy-files.js';

const HUB_NAMESPACE = 'kmm-hub';

/**
 * Everything a hub service account may be granted, one line per (scope, group/resource, verb[, name]). Scope is
 * "cluster" (ClusterRole + ClusterRoleBinding) or the namespace of a Role. Widening a grant means adding a line
 * here, in review, with the reason beside it in the manifest.
 */
const ALLOWED: Record<string, string[]> = {
  'kmm-hub-controller': [
    ...['get', 'list', 'watch', 'patch', 'update'].map(
      (v) => `cluster hub.kmm.sigs.x-k8s.io/managedclustermodules ${v}`,
    ),
    ...['get', 'patch', 'update'].map((v) => `cluster hub.kmm.sigs.x-k8s.io/managedclustermodules/status ${v}`),
    'cluster hub.kmm.sigs.x-k8s.io/managedclustermodules/finalizers update',
    ...['get', 'list', 'watch'].map((v) => `cluster hub.kmm.sigs.x-k8s.io/preflightvalidations ${v}`),
    ...['get', 'patch', 'update'].map((v) => `cluster hub.kmm.sigs.x-k8s.io/preflightvalidations/status ${v}`),
    ...['get', 'list', 'watch'].map((v) => `cluster cluster.open-cluster-management.io/managedclusters ${v}`),
    ...['get', 'list', 'watch'].map((v) => `cluster cluster.open-cluster-management.io/placementdecisions ${v}`),
    ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map(
      (v) => `cluster work.open-cluster-management.io/manifestworks ${v}`,
    ),
    'cluster core/events create',
    'cluster core/events patch',
    `${HUB_NAMESPACE} coordination.k8s.io/leases create`,
    `${HUB_NAMESPACE} coordination.k8s.io/leases get kmm-hub-controller`,
    `${HUB_NAMESPACE} coordination.k8s.io/leases update kmm-hub-controller`,
    ...['get', 'list', 'watch'].flatMap((v) => [
      `${HUB_NAMESPACE} core/secrets ${v}`,
      `${HUB_NAMESPACE} core/configmaps ${v}`,
    ]),
  ],
  'kmm-hub-worker': [
    ...['get', 'list', 'watch', 'create', 'delete'].map((v) => `${HUB_NAMESPACE} batch/jobs ${v}`),
    `${HUB_NAMESPACE} core/pods get`,
    `${HUB_NAMESPACE} core/pods list`,
    `${HUB_NAMESPACE} core/pods/log get`,
    `${HUB_NAMESPACE} core/secrets get`,
    `${HUB_NAMESPACE} core/configmaps get`,
  ],
  'kmm-hub-api': ['get', 'list', 'watch'].flatMap((v) => [
    `cluster hub.kmm.sigs.x-k8s.io/managedclustermodules ${v}`,
    `cluster cluster.open-cluster-management.io/managedclusters ${v}`,
    `cluster cluster.open-cluster-management.io/placementdecisions ${v}`,
    `cluster work.open-cluster-management.io/manifestworks ${v}`,
  ]),
};

interface RoleRef {
  kind: string;
  name: string;
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
type Role = KubeObject & { rules: PolicyRule[] };
type Binding = KubeObject & { roleRef: RoleRef; subjects: Subject[] };

/** One line per permission a rule grants, in the ALLOWED notation. */
function expandRule(scope: string, rule: PolicyRule): string[] {
  const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
  return (rule.apiGroups ?? []).flatMap((group) =>
    (rule.resources ?? []).flatMap((resource) =>
      rule.verbs.flatMap((verb) =>
        names.map((name) => `${scope} ${group || 'core'}/${resource} ${verb}${name ? ` ${name}` : ''}`),
      ),
    ),
  );
}

describe('hub RBAC in deploy/hub', () => {
  let objects: KubeObject[];
  const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  const roleOf = (ref: RoleRef, namespace?: string) =>
    ofKind<Role>(ref.kind).find((r) => r.metadata.name === ref.name && r.metadata.namespace === namespace);

  /** Service account name → every permission its bindings grant. */
  const grantsBySubject = () => {
    const grants = new Map<string, string[]>();
    for (const b of [...ofKind<Binding>('ClusterRoleBinding'), ...ofKind<Binding>('RoleBinding')]) {
      const role = roleOf(b.roleRef, b.roleRef.kind === 'Role' ? b.metadata.namespace : undefined);
      if (!role) throw new Error(`${b.kind} ${b.metadata.name} names a missing ${b.roleRef.kind} ${b.roleRef.name}`);
      const scope = b.kind === 'ClusterRoleBinding' ? 'cluster' : (b.metadata.namespace ?? '');
      for (const s of b.subjects) {
        const key = `${s.kind}/${s.namespace}/${s.name}`;
        grants.set(key, [...(grants.get(key) ?? []), ...role.rules.flatMap((r) => expandRule(scope, r))]);
      }
    }
    return grants;
  };

  beforeAll(async () => {
    objects = await loadBase(BASES.hub);
  });

  it('binds every role to exactly one of the hub service accounts, in the hub namespace', () => {
    const serviceAccounts = ofKind<KubeObject>('ServiceAccount').map(
      (s) => `${s.metadata.namespace}/${s.metadata.name}`,
    );
    expect(serviceAccounts.toSorted()).toEqual(
      Object.keys(ALLOWED)
        .map((n) => `${HUB_NAMESPACE}/${n}`)
        .toSorted(),
    );
    for (const b of [...ofKind<Binding>('ClusterRoleBinding'), ...ofKind<Binding>('RoleBinding')]) {
      expect(b.subjects, `${b.kind} ${b.metadata.name}`).toEqual([
        { kind: 'ServiceAccount', name: b.roleRef.name, namespace: HUB_NAMESPACE },
      ]);
    }
    for (const r of ofKind<Role>('Role')) expect(r.metadata.namespace).toBe(HUB_NAMESPACE);
  });

  it('grants each service account nothing beyond its allow-list', () => {
    const grants = grantsBySubject();
    for (const [subject, granted] of grants) {
      const name = subject.split('/').at(-1) ?? '';
      const allowed = new Set(ALLOWED[name] ?? []);
      expect(
        granted.filter((g) => !allowed.has(g)),
        `${subject} is granted more than its allow-list`,
      ).toEqual([]);
    }
    // And the allow-list is not stale: everything on it is granted (so it documents what the hub really holds).
    for (const [name, allowed] of Object.entries(ALLOWED)) {
      const granted = new Set(grants.get(`ServiceAccount/${HUB_NAMESPACE}/${name}`) ?? []);
      expect(
        allowed.filter((a) => !granted.has(a)),
        `${name}: allow-list lines nobody grants`,
      ).toEqual([]);
    }
  });

  it('has no wildcards, no non-resource URLs, no escalation verbs and no Secrets outside its namespace', () => {
    for (const role of [...ofKind<Role>('ClusterRole'), ...ofKind<Role>('Role')]) {
      for (const rule of role.rules) {
        const where = `${role.kind} ${role.metadata.name}`;
        expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs], where).not.toContain('*');
        expect(rule.nonResourceURLs, where).toBeUndefined();
        expect(
          rule.verbs.filter((v) => ['escalate', 'bind', 'impersonate'].includes(v)),
          where,
        ).toEqual([]);
        if (role.kind === 'ClusterRole') expect(rule.resources, where).not.toContain('secrets');
      }
    }
  });
});
