import type { AppliedManifestWork, FeedbackRule, ManifestWork } from '@kmm-hub/api';
import { appliedResourceKey, type AppliedResource } from './applied-resources.js';
import type { ApplyTarget, Baseline } from './resource-applier.js';
import { UPDATE_STRATEGY, type UpdateStrategyType } from './work-conditions.js';
import type { ResourceMeta } from './work-status.js';

/** One manifest after an apply pass. */
export interface AppliedManifest {
  readonly meta: ResourceMeta;
  readonly target?: ApplyTarget;
  readonly strategy?: UpdateStrategyType;
  readonly feedbackRules?: readonly FeedbackRule[];
  readonly applied: { readonly ok: true } | { readonly ok: false; readonly message: string };
  readonly uid?: string;
}

/** What the agent remembers of a work's last apply pass, as far as deciding the next one goes. */
export interface ApplyMemory {
  readonly generation: number | undefined;
  readonly labelsKey: string;
  readonly nextApplyAt: number;
  /** A transient failure (spoke unreachable, conflict) or a resource still terminating: apply again soon. */
  readonly retryReason: string | undefined;
}

/** What the agent keeps between passes for one work; dropped when the work is gone. */
export interface WorkMemory extends ApplyMemory {
  readonly appliedAt: number;
  readonly manifests: readonly AppliedManifest[];
  readonly baselines: ReadonlyMap<string, Baseline>;
}

/**
 * From an apply pass: the resources it applied (with their uid) and the keys of every manifest it could place,
 * applied or not. ReadOnly manifests are neither: the agent never owns what it only reads.
 */
export function appliedResourcesOf(results: readonly AppliedManifest[]): {
  applied: AppliedResource[];
  listed: Set<string>;
} {
  const applied: AppliedResource[] = [];
  const listed = new Set<string>();
  for (const r of results) {
    if (r.target === undefined || r.strategy === UPDATE_STRATEGY.ReadOnly) continue;
    const t = r.target;
    listed.add(appliedResourceKey({ group: t.group, resource: t.resource, namespace: t.namespace, name: t.name }));
    if (r.applied.ok && r.uid !== undefined) {
      applied.push({
        group: t.group,
        version: t.version,
        resource: t.resource,
        namespace: t.namespace,
        name: t.name,
        uid: r.uid,
      });
    }
  }
  return { applied, listed };
}

/** The work's labels in a comparable form (the AppliedManifestWork mirrors them, so a change means an apply). */
export function workLabelsKey(work: ManifestWork): string {
  return JSON.stringify(Object.entries(work.metadata.labels ?? {}).toSorted());
}

export function hasFinalizer(obj: { metadata: { finalizers?: string[] } }, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * Whether to apply the work's manifests now: never applied by this process, a new generation or labels, a pass
 * that must be retried, or the resync time (drift correction) reached. Otherwise only status is synced.
 */
export function needsApply(memory: ApplyMemory | undefined, work: ManifestWork, nowMs: number): boolean {
  return (
    memory === undefined ||
    memory.generation !== work.metadata.generation ||
    memory.labelsKey !== workLabelsKey(work) ||
    memory.retryReason !== undefined ||
    nowMs >= memory.nextApplyAt
  );
}

export type OrphanDecision =
  /** Record when the eviction started; come back after the grace period. */
  | { action: 'StartEviction'; requeueAfterMs: number }
  /** Within the grace period: the work may come back (a hub restore, a re-registration). */
  | { action: 'Wait'; requeueAfterMs: number }
  /** The grace period is over: remove what the AppliedManifestWork applied, then it. */
  | { action: 'Evict' };

/**
 * An AppliedManifestWork whose ManifestWork is gone from the hub (deleted without our finalizer running, or never
 * ours): evicted `graceSeconds` after the recorded start of its eviction.
 */
export function decideOrphanedAppliedWork(
  applied: AppliedManifestWork,
  nowMs: number,
  graceSeconds: number,
): OrphanDecision {
  const started = applied.status?.evictionStartTime;
  if (started === undefined) return { action: 'StartEviction', requeueAfterMs: graceSeconds * 1000 };
  const remaining = new Date(started).getTime() + graceSeconds * 1000 - nowMs;
  return remaining > 0 ? { action: 'Wait', requeueAfterMs: remaining } : { action: 'Evict' };
}

export function resourceMetaOf(t: ApplyTarget, ordinal: number): ResourceMeta {
  return {
    ordinal,
    group: t.group,
    version: t.version,
    kind: t.kind,
    resource: t.resource,
    namespace: t.namespace,
    name: t.name,
  };
}

/** What can be said of a manifest that discovery could not place: its resource stays empty, as OCM reports it. */
export function incompleteMeta(manifest: Record<string, unknown>, ordinal: number): ResourceMeta {
  const apiVersion = typeof manifest['apiVersion'] === 'string' ? manifest['apiVersion'] : '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const metadata = (manifest['metadata'] ?? {}) as { name?: unknown; namespace?: unknown };
  return {
    ordinal,
    group: group ?? '',
    version: version ?? '',
    kind: typeof manifest['kind'] === 'string' ? manifest['kind'] : '',
    resource: '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}
