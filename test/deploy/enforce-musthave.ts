// What RHACM's config-policy-controller does with one named object template whose complianceType is musthave, under
// remediationAction enforce (open-cluster-management-io/config-policy-controller
// controllers/configurationpolicy_controller.go, `handleSingleKey` and `mergeSpecs`), as a pure function: the tests
// feed it the object a spoke API server holds and apply what it returns. Only what our policies use is modelled: named
// templates, musthave, no metadataComplianceType, no recreateOption; Kubernetes quantities compare as written.

export type KubeObjectLike = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
};

export type MustHaveDecision =
  | { action: 'create'; object: KubeObjectLike }
  | { action: 'update'; object: KubeObjectLike; differences: string[] }
  | { action: 'none' };

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Omitted and zero values are equivalent, as the controller treats a missing key whose value is empty. */
function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isDict(value) && Object.keys(value).length === 0;
}

/** Deep equivalence: maps by key (absent ≡ zero), lists as multisets, scalars by their string form. */
export function isEquivalent(a: unknown, b: unknown): boolean {
  if (isDict(a) && isDict(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => (k in a && k in b ? isEquivalent(a[k], b[k]) : isZero(a[k] ?? b[k])));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const used = new Set<number>();
    return a.every((x) => {
      const i = b.findIndex((y, j) => !used.has(j) && isEquivalent(x, y));
      if (i >= 0) used.add(i);
      return i >= 0;
    });
  }
  if (isDict(a) || isDict(b) || Array.isArray(a) || Array.isArray(b)) return isZero(a) && isZero(b);
  if (a === undefined || b === undefined) return isZero(a) && isZero(b);
  return String(a) === String(b);
}

/** A template list item matches an existing one that already contains it, or that has the same `name`. */
function matchesItem(item: unknown, existing: unknown): boolean {
  if (isDict(item) && isDict(existing) && item['name'] !== undefined && item['name'] === existing['name']) return true;
  return isEquivalent(mergeMustHave(item, existing), existing);
}

function mergeList(template: unknown[], existing: unknown[]): unknown[] {
  const used = new Set<number>();
  const merged = template.map((item) => {
    const i = existing.findIndex((e, j) => !used.has(j) && matchesItem(item, e));
    if (i < 0) return item;
    used.add(i);
    return mergeMustHave(item, existing[i]);
  });
  return [...merged, ...existing.filter((_, j) => !used.has(j))];
}

/** musthave: the template merged into the existing value; what the template does not mention is kept. */
export function mergeMustHave(template: unknown, existing: unknown): unknown {
  if (isDict(template) && isDict(existing)) {
    const out: Dict = { ...existing };
    for (const [k, v] of Object.entries(template)) out[k] = k in existing ? mergeMustHave(v, existing[k]) : v;
    return out;
  }
  if (Array.isArray(template) && Array.isArray(existing)) return mergeList(template, existing);
  return template;
}

const METADATA_MAPS = ['labels', 'annotations'] as const;
const IGNORED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function metadataMaps(meta: unknown): Dict {
  const source = isDict(meta) ? meta : {};
  const out: Dict = {};
  for (const key of METADATA_MAPS) {
    const map = source[key];
    if (!isDict(map)) continue;
    out[key] = Object.fromEntries(Object.entries(map).filter(([k]) => k !== IGNORED_ANNOTATION));
  }
  return out;
}

/**
 * The controller's decision for one template against the object the cluster holds (undefined: not found). An
 * update carries only what the template speaks about, merged with what exists, so server-side apply of it gives the
 * object the controller's update would write; `status` is never enforced.
 */
export function enforceMustHave(template: KubeObjectLike, existing: KubeObjectLike | undefined): MustHaveDecision {
  if (!existing) return { action: 'create', object: template };
  const differences: string[] = [];
  const { name, namespace } = template.metadata;
  const existingMeta = metadataMaps(existing.metadata);
  const mergedMeta = mergeMustHave(metadataMaps(template.metadata), existingMeta) as Dict;
  for (const key of METADATA_MAPS) {
    if (!isEquivalent(mergedMeta[key], existingMeta[key])) differences.push(`metadata.${key}`);
  }
  const object: KubeObjectLike = {
    apiVersion: template.apiVersion,
    kind: template.kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...mergedMeta },
  };
  for (const [key, value] of Object.entries(template)) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(key)) continue;
    object[key] = mergeMustHave(value, existing[key]);
    if (!isEquivalent(object[key], existing[key])) differences.push(key);
  }
  return differences.length === 0 ? { action: 'none' } : { action: 'update', object, differences };
}
