import { Inject, Injectable } from '@nestjs/common';
import { FINALIZERS, RESOURCES, type AppliedManifestWork, type FeedbackRule, type ManifestWork } from '@kmm-hub/api';
import { isAlreadyExists, isNotFound } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient, SpokeClient } from '../clusters/cluster-clients.js';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { appliedWorkOwnerReference } from './applied-object.js';
import { AppliedResourceRemover } from './applied-resource-remover.js';
import {
  appliedResourceKey,
  planAppliedResources,
  sameAppliedResources,
  type AppliedResource,
} from './applied-resources.js';
import { findManifestOptions, isOwnedByWork } from './manifest-options.js';
import { appliedWorkName } from './manifest-work.mapper.js';
import { orderManifests } from './order-manifests.js';
import { errorMessage, ResourceApplier, type ApplyTarget, type Baseline } from './resource-applier.js';
import { collectStatusFeedback } from './status-feedback.js';
import { WorkCaches } from './work-caches.service.js';
import { UPDATE_STRATEGY, WORK_REASON, type UpdateStrategyType } from './work-conditions.js';
import {
  buildWorkStatus,
  isSameStatus,
  toMetaTime,
  withDeletingCondition,
  type ManifestReport,
  type ResourceMeta,
} from './work-status.js';

const { ManifestWork: MW, AppliedManifestWork: AMW } = RESOURCES;

/** One manifest after an apply pass. */
interface AppliedManifest {
  readonly meta: ResourceMeta;
  readonly target?: ApplyTarget;
  readonly strategy?: UpdateStrategyType;
  readonly feedbackRules?: readonly FeedbackRule[];
  readonly applied: { readonly ok: true } | { readonly ok: false; readonly message: string };
  readonly uid?: string;
}

/** What the agent keeps between passes for one work; dropped when the work is gone. */
interface WorkMemory {
  readonly generation: number | undefined;
  readonly labelsKey: string;
  readonly appliedAt: number;
  readonly nextApplyAt: number;
  readonly manifests: readonly AppliedManifest[];
  readonly baselines: ReadonlyMap<string, Baseline>;
  /** A transient failure (spoke unreachable, conflict) or a resource still terminating: apply again soon. */
  readonly retryReason: string | undefined;
}

export type ReconcileResult = { requeueAfterMs?: number };

const labelsKey = (work: ManifestWork) => JSON.stringify(Object.entries(work.metadata.labels ?? {}).toSorted());
const hasFinalizer = (obj: { metadata: { finalizers?: string[] } }, finalizer: string) =>
  (obj.metadata.finalizers ?? []).includes(finalizer);

/**
 * The work agent for one ManifestWork (open-cluster-management-io/ocm pkg/work/spoke/controllers/): cleanup
 * finalizer first; an AppliedManifestWork on
 * the spoke as the owner of everything applied; manifests applied in kind order with the work's update strategies;
 * resources dropped from the work deleted; status (per-manifest Applied, Available, feedback; work Applied and
 * Available) written to the hub only when it changed. The apply runs when the work's generation or labels change
 * and every WORK_RESYNC_SECONDS (drift correction); the status every STATUS_SYNC_SECONDS. Deletion honours
 * deleteOption; an AppliedManifestWork whose work vanished from the hub is evicted after a grace period.
 */
/**
 * The status this agent last wrote for a work, and the resourceVersion its cache held then: while the cache still
 * shows that version (the watch lags, e.g. reconnecting after a hub outage), what we wrote is the truth to compare
 * with and to write against, instead of conflicting with our own write again and again.
 */
interface WrittenStatus {
  readonly cachedVersion: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly status: ManifestWork['status'];
}

@Injectable()
export class ManifestWorkReconciler {
  private readonly memory = new Map<string, WorkMemory>();
  private readonly written = new Map<string, WrittenStatus>();

  constructor(
    private readonly caches: WorkCaches,
    private readonly hub: HubClient,
    private readonly spoke: SpokeClient,
    private readonly applier: ResourceApplier,
    private readonly remover: AppliedResourceRemover,
    @Inject(SPOKE_CONFIG) private readonly config: SpokeConfig,
    @InjectPinoLogger(ManifestWorkReconciler.name) private readonly logger: PinoLogger,
  ) {}

  /** Works the agent holds state for (a gauge for tests and footprint checks). */
  get remembered(): number {
    return this.memory.size;
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    if (!this.caches.hasSynced()) return { requeueAfterMs: 100 };
    let work = this.caches.work(name);
    const applied = this.caches.appliedWork(name);
    if (work === undefined) return this.reconcileWithoutWork(name, applied);
    if (work.metadata.deletionTimestamp) return this.finalize(work, applied);
    if (!hasFinalizer(work, FINALIZERS.ocmManifestWorkCleanup)) {
      // The finalizer is on the hub before anything is applied; go on with the answer rather than wait for its event.
      work = await this.hub.resource<ManifestWork>(MW).addFinalizer(work, FINALIZERS.ocmManifestWorkCleanup);
      this.logger.info({ cluster: this.hub.clusterName, work: name }, 'added the cleanup finalizer');
    }
    if (applied?.metadata.deletionTimestamp) {
      // Someone deleted the AppliedManifestWork: finish that (its resources go), then apply afresh.
      const done = await this.deleteAppliedWork(applied);
      this.forgetWork(name);
      return { requeueAfterMs: done ? 0 : this.retryDelayMs() };
    }
    const now = new Date();
    let memory = this.memory.get(name);
    if (
      memory === undefined ||
      memory.generation !== work.metadata.generation ||
      memory.labelsKey !== labelsKey(work) ||
      memory.retryReason !== undefined ||
      now.getTime() >= memory.nextApplyAt
    ) {
      memory = await this.apply(work, applied, memory, now);
      this.memory.set(name, memory);
    }
    await this.syncStatus(work, memory, now);
    if (memory.retryReason !== undefined) {
      throw new Error(`ManifestWork ${name} is not fully applied yet: ${memory.retryReason}`);
    }
    return { requeueAfterMs: this.jitter(this.config.STATUS_SYNC_SECONDS * 1000, 0.9) };
  }

  private forgetWork(name: string): void {
    this.memory.delete(name);
    this.written.delete(name);
  }

  /** When the work's manifests were last applied (or checked for drift) by this process. */
  lastAppliedAt(name: string): number | undefined {
    return this.memory.get(name)?.appliedAt;
  }

  private async apply(
    work: ManifestWork,
    cached: AppliedManifestWork | undefined,
    memory: WorkMemory | undefined,
    now: Date,
  ): Promise<WorkMemory> {
    const name = work.metadata.name ?? '';
    const appliedWork = await this.ensureAppliedWork(work, cached);
    const owner = appliedWorkOwnerReference({
      name: appliedWork.metadata.name ?? '',
      uid: appliedWork.metadata.uid ?? '',
    });
    const manifests = work.spec?.workload?.manifests ?? [];
    const results: AppliedManifest[] = [];
    const baselines = new Map<string, Baseline>();
    let retryReason: string | undefined;
    let complete = true;
    for (const ordinal of orderManifests(manifests)) {
      const manifest = manifests[ordinal] as Record<string, unknown>;
      const resolved = await this.applier.resolveTarget(manifest);
      if (!resolved.ok) {
        if (resolved.transient) complete = false;
        if (resolved.retry) retryReason ??= resolved.message;
        results[ordinal] = {
          meta: incompleteMeta(manifest, ordinal),
          applied: { ok: false, message: resolved.message },
        };
        continue;
      }
      const target = resolved.target;
      const id = { group: target.group, resource: target.resource, namespace: target.namespace, name: target.name };
      const options = findManifestOptions(work.spec?.manifestConfigs, id);
      const key = appliedResourceKey(id);
      const outcome = await this.applier.apply({
        manifest,
        target,
        strategy: options.updateStrategy,
        owner,
        owned: isOwnedByWork(work.spec?.deleteOption, id, options.updateStrategy),
        baseline: memory?.baselines.get(key),
      });
      const log = {
        cluster: this.hub.clusterName,
        work: name,
        kind: target.kind,
        namespace: target.namespace,
        resource: target.name,
      };
      if (outcome.ok) {
        if (outcome.baseline !== undefined) baselines.set(key, outcome.baseline);
        if (outcome.wrote) this.logger.info({ ...log, strategy: options.updateStrategy.type }, 'applied manifest');
      } else {
        if (outcome.transient) retryReason ??= outcome.message;
        this.logger.warn({ ...log, err: outcome.message, transient: outcome.transient }, 'manifest failed to apply');
      }
      results[ordinal] = {
        meta: resourceMetaOf(target, ordinal),
        target,
        strategy: options.updateStrategy.type,
        ...(options.feedbackRules !== undefined && { feedbackRules: options.feedbackRules }),
        applied: outcome.ok ? { ok: true } : { ok: false, message: outcome.message },
        ...(outcome.ok && outcome.uid !== undefined && { uid: outcome.uid }),
      };
    }

    const pending = await this.collectDroppedResources(appliedWork, results, complete, name);
    if (pending !== undefined) retryReason ??= pending;
    return {
      generation: work.metadata.generation,
      labelsKey: labelsKey(work),
      appliedAt: now.getTime(),
      nextApplyAt: now.getTime() + this.jitter(this.config.WORK_RESYNC_SECONDS * 1000, 0.5),
      manifests: results,
      baselines,
      retryReason,
    };
  }

  /**
   * Records what this pass applied in the AppliedManifestWork and deletes what the work no longer lists. Returns a
   * reason to come back soon when a deletion is still pending or failed.
   */
  private async collectDroppedResources(
    appliedWork: AppliedManifestWork,
    results: readonly AppliedManifest[],
    complete: boolean,
    workName: string,
  ): Promise<string | undefined> {
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
    const previous = appliedWork.status?.appliedResources ?? [];
    const plan = planAppliedResources({ previous, applied, listed, complete });
    const { kept, reason } = await this.removeResources(plan.dropped, appliedWork, workName);
    const next = [...plan.next, ...kept].toSorted((a, b) => (appliedResourceKey(a) < appliedResourceKey(b) ? -1 : 1));
    if (!sameAppliedResources(previous, next)) await this.patchAppliedResources(appliedWork, next);
    return reason;
  }

  /** Deletes resources with OCM's rules; returns those still terminating or failing, to keep in the record. */
  private async removeResources(
    resources: readonly AppliedResource[],
    appliedWork: AppliedManifestWork,
    workName: string,
  ): Promise<{ kept: AppliedResource[]; reason: string | undefined }> {
    const kept: AppliedResource[] = [];
    let reason: string | undefined;
    for (const r of resources) {
      const log = {
        cluster: this.hub.clusterName,
        work: workName,
        resource: r.resource,
        namespace: r.namespace,
        name: r.name,
      };
      try {
        const result = await this.remover.remove(r, appliedWork.metadata.uid ?? '');
        if (result === 'pending') {
          kept.push(r);
          reason ??= `${r.resource} ${r.name} is still terminating`;
        } else {
          this.logger.info(log, 'removed applied resource');
        }
      } catch (err) {
        kept.push(r);
        reason ??= errorMessage(err);
        this.logger.warn({ ...log, err: errorMessage(err) }, 'could not remove applied resource, retrying');
      }
    }
    return { kept, reason };
  }

  /** Fetches every applied object: Available and status feedback. Writes the work status when it changed. */
  private async syncStatus(work: ManifestWork, memory: WorkMemory, now: Date): Promise<ManifestWork> {
    const reports: ManifestReport[] = [];
    for (const m of memory.manifests) {
      const hasFeedbackRules = (m.feedbackRules?.length ?? 0) > 0;
      if (m.target === undefined) {
        reports.push({
          meta: m.meta,
          applied: m.applied,
          available: {
            status: 'Unknown',
            reason: WORK_REASON.IncompleteResourceMeta,
            message: 'Resource meta is incomplete',
          },
          hasFeedbackRules,
        });
        continue;
      }
      try {
        const live = await this.applier.get(m.target);
        reports.push({
          meta: m.meta,
          applied: m.applied,
          available: { status: live === undefined ? 'False' : 'True' },
          feedback:
            live === undefined ? { values: [], errors: [] } : collectStatusFeedback(live, m.feedbackRules, m.target),
          hasFeedbackRules,
        });
      } catch (err) {
        reports.push({
          meta: m.meta,
          applied: m.applied,
          available: {
            status: 'Unknown',
            reason: WORK_REASON.FetchingResourceFailed,
            message: `Failed to fetch resource: ${errorMessage(err)}`,
          },
          hasFeedbackRules,
        });
      }
    }
    const name = work.metadata.name ?? '';
    const written = this.written.get(name);
    const stale = written !== undefined && written.cachedVersion === work.metadata.resourceVersion;
    const current: ManifestWork = stale
      ? { ...work, metadata: { ...work.metadata, resourceVersion: written.resourceVersion }, status: written.status }
      : work;
    const status = buildWorkStatus({
      generation: work.metadata.generation,
      reports,
      previous: current.status,
      now: toMetaTime(now),
    });
    if (isSameStatus(current.status, status)) return current;
    const updated = await this.patchWorkStatus(current, status);
    this.written.set(name, {
      cachedVersion: stale ? written.cachedVersion : work.metadata.resourceVersion,
      resourceVersion: updated.metadata.resourceVersion,
      status: updated.status,
    });
    return updated;
  }

  /** Deletion: Deleting=True, applied resources removed (per deleteOption), AppliedManifestWork, then our finalizer. */
  private async finalize(work: ManifestWork, applied: AppliedManifestWork | undefined): Promise<ReconcileResult> {
    const name = work.metadata.name ?? '';
    if (!hasFinalizer(work, FINALIZERS.ocmManifestWorkCleanup)) {
      this.forgetWork(name);
      return {};
    }
    let latest = work;
    const status = withDeletingCondition(work.status, work.metadata.generation, toMetaTime(new Date()));
    if (!isSameStatus(work.status, status)) latest = await this.patchWorkStatus(work, status);
    if (applied !== undefined && !(await this.deleteAppliedWork(applied)))
      return { requeueAfterMs: this.retryDelayMs() };
    await this.hub.resource<ManifestWork>(MW).removeFinalizer(latest, FINALIZERS.ocmManifestWorkCleanup);
    this.forgetWork(name);
    this.logger.info({ cluster: this.hub.clusterName, work: name }, 'finished deleting ManifestWork');
    return {};
  }

  /**
   * The work is gone from the hub (deleted without our finalizer running, or never ours) but its
   * AppliedManifestWork remains: mark the eviction start, and after the grace period remove what it applied.
   */
  private async reconcileWithoutWork(name: string, applied: AppliedManifestWork | undefined): Promise<ReconcileResult> {
    this.forgetWork(name);
    if (applied === undefined) return {};
    if (applied.metadata.deletionTimestamp) {
      return (await this.deleteAppliedWork(applied)) ? {} : { requeueAfterMs: this.retryDelayMs() };
    }
    const now = Date.now();
    const started = applied.status?.evictionStartTime;
    if (started === undefined) {
      await this.patchAppliedWorkStatus(applied, { status: { evictionStartTime: toMetaTime(new Date(now)) } });
      this.logger.warn(
        { cluster: this.hub.clusterName, work: name },
        'ManifestWork is gone from the hub, eviction started',
      );
      return { requeueAfterMs: this.config.EVICTION_GRACE_SECONDS * 1000 };
    }
    const remaining = new Date(started).getTime() + this.config.EVICTION_GRACE_SECONDS * 1000 - now;
    if (remaining > 0) return { requeueAfterMs: remaining };
    this.logger.info({ cluster: this.hub.clusterName, work: name }, 'evicting AppliedManifestWork');
    return (await this.deleteAppliedWork(applied)) ? {} : { requeueAfterMs: this.retryDelayMs() };
  }

  /** Removes every recorded resource, then the AppliedManifestWork itself; false while something is pending. */
  private async deleteAppliedWork(applied: AppliedManifestWork): Promise<boolean> {
    const workName = applied.spec?.manifestWorkName ?? '';
    const recorded = applied.status?.appliedResources ?? [];
    const { kept } = await this.removeResources(recorded, applied, workName);
    if (kept.length > 0) {
      if (!sameAppliedResources(recorded, kept)) await this.patchAppliedResources(applied, kept);
      return false;
    }
    const appliedWorks = this.spoke.resource<AppliedManifestWork>(AMW);
    try {
      await appliedWorks.removeFinalizer(applied, FINALIZERS.ocmAppliedManifestWorkCleanup);
      if (!applied.metadata.deletionTimestamp) await appliedWorks.delete(applied.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return true;
  }

  /** The AppliedManifestWork for `work`: created with our finalizer, labels kept equal to the work's. */
  private async ensureAppliedWork(
    work: ManifestWork,
    cached: AppliedManifestWork | undefined,
  ): Promise<AppliedManifestWork> {
    const workName = work.metadata.name ?? '';
    const name = appliedWorkName(this.hub.hubHash, workName);
    const labels = work.metadata.labels ?? {};
    const appliedWorks = this.spoke.resource<AppliedManifestWork>(AMW);
    let current = cached;
    if (current === undefined) {
      try {
        current = await appliedWorks.create({
          apiVersion: AMW.apiVersion,
          kind: AMW.kind,
          metadata: { name, labels, finalizers: [FINALIZERS.ocmAppliedManifestWorkCleanup] },
          spec: { hubHash: this.hub.hubHash, agentID: this.hub.agentId, manifestWorkName: workName },
        });
        this.logger.info({ cluster: this.hub.clusterName, work: workName }, 'created AppliedManifestWork');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        current = await appliedWorks.get(name);
      }
    }
    const oldLabels = current.metadata.labels ?? {};
    const labelsDiffer =
      JSON.stringify(Object.entries(oldLabels).toSorted()) !== JSON.stringify(Object.entries(labels).toSorted());
    if (labelsDiffer || !hasFinalizer(current, FINALIZERS.ocmAppliedManifestWorkCleanup)) {
      const removed = Object.fromEntries(
        Object.keys(oldLabels)
          .filter((k) => !(k in labels))
          .map((k) => [k, null]),
      );
      const finalizers = hasFinalizer(current, FINALIZERS.ocmAppliedManifestWorkCleanup)
        ? current.metadata.finalizers
        : [...(current.metadata.finalizers ?? []), FINALIZERS.ocmAppliedManifestWorkCleanup];
      current = await appliedWorks.mergePatch(name, {
        metadata: { labels: { ...removed, ...labels }, finalizers, resourceVersion: current.metadata.resourceVersion },
      });
    }
    if (current.status?.evictionStartTime !== undefined) {
      current = await this.patchAppliedWorkStatus(current, { status: { evictionStartTime: null } });
    }
    return current;
  }

  private async patchAppliedResources(
    applied: AppliedManifestWork,
    appliedResources: AppliedResource[],
  ): Promise<void> {
    await this.patchAppliedWorkStatus(applied, { status: { appliedResources } });
  }

  /** A merge patch of an AppliedManifestWork's status on the spoke (only this agent writes it). */
  private async patchAppliedWorkStatus(applied: AppliedManifestWork, body: unknown): Promise<AppliedManifestWork> {
    return this.spoke.resource<AppliedManifestWork>(AMW).mergePatchStatus(applied.metadata.name ?? '', body);
  }

  /** Status as OCM writes it: a merge patch carrying uid and resourceVersion (a stale cache gets 409 and retries). */
  private async patchWorkStatus(work: ManifestWork, status: ManifestWork['status']): Promise<ManifestWork> {
    const updated = await this.hub
      .resource<ManifestWork>(MW)
      .mergePatchStatus(
        work.metadata.name ?? '',
        { metadata: { uid: work.metadata.uid, resourceVersion: work.metadata.resourceVersion }, status },
        { namespace: work.metadata.namespace ?? this.hub.clusterName },
      );
    this.logger.debug({ cluster: this.hub.clusterName, work: work.metadata.name }, 'wrote ManifestWork status');
    return updated;
  }

  private retryDelayMs(): number {
    return Math.min(1000, this.config.MAX_BACKOFF_SECONDS * 1000);
  }

  /** `ms` stretched by up to `factor` at random, so many works do not sync in lockstep. */
  private jitter(ms: number, factor: number): number {
    return Math.round(ms * (1 + Math.random() * factor));
  }
}

function resourceMetaOf(t: ApplyTarget, ordinal: number): ResourceMeta {
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
function incompleteMeta(manifest: Record<string, unknown>, ordinal: number): ResourceMeta {
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
