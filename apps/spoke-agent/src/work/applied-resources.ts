import type { AppliedManifestWork } from '@kmm-hub/api';

export type AppliedResource = NonNullable<NonNullable<AppliedManifestWork['status']>['appliedResources']>[number];

/** OCM keys applied resources by group, resource, namespace and name; the version is ignored. */
export function appliedResourceKey(r: { group?: string; resource: string; namespace?: string; name: string }): string {
  return `${r.group ?? ''}/${r.resource}/${r.namespace ?? ''}/${r.name}`;
}

function byKey(a: AppliedResource, b: AppliedResource): number {
  const ka = appliedResourceKey(a);
  const kb = appliedResourceKey(b);
  if (ka < kb) return -1;
  return ka > kb ? 1 : 0;
}

export interface AppliedResourcesPlan {
  /** The sorted list for `AppliedManifestWork.status.appliedResources` once `dropped` are gone. */
  readonly next: AppliedResource[];
  /** Recorded resources the work no longer lists: to delete (if still ours), then forget. */
  readonly dropped: AppliedResource[];
}

/**
 * Applied-resource bookkeeping (open-cluster-management-io/ocm
 * pkg/work/spoke/controllers/manifestcontroller/appliedmanifestwork_reconciler.go). `applied` are the resources applied
 * in this pass; `listed` are the keys of every manifest in the spec, applied or not, so a manifest whose apply failed
 * keeps its old entry instead of being deleted. When some manifest could not even be identified (`complete` false:
 * unknown kind, spoke unreachable) nothing is dropped: we cannot tell it from the recorded ones.
 */
export function planAppliedResources(input: {
  readonly previous: readonly AppliedResource[];
  readonly applied: readonly AppliedResource[];
  readonly listed: ReadonlySet<string>;
  readonly complete: boolean;
}): AppliedResourcesPlan {
  const { previous, applied, listed, complete } = input;
  const next = new Map<string, AppliedResource>();
  for (const r of applied) next.set(appliedResourceKey(r), r);
  const dropped: AppliedResource[] = [];
  for (const r of previous) {
    const key = appliedResourceKey(r);
    if (next.has(key)) continue;
    if (listed.has(key) || !complete) next.set(key, r);
    else dropped.push(r);
  }
  return { next: [...next.values()].toSorted(byKey), dropped: dropped.toSorted(byKey) };
}

export function sameAppliedResources(
  a: readonly AppliedResource[] | undefined,
  b: readonly AppliedResource[],
): boolean {
  const text = (list: readonly AppliedResource[]) =>
    JSON.stringify(list.map((r) => [appliedResourceKey(r), r.version, r.uid ?? '']));
  return text(a ?? []) === text(b);
}
