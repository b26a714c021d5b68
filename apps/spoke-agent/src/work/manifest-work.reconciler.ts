import { Inject, Injectable } from '@nestjs/common';
import { FINALIZERS, RESOURCES, type AppliedManifestWork, type ManifestWork } from '@kmm-hub/api';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient } from '../clusters/cluster-clients.js';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { AppliedWorkService } from './applied-work.service.js';
import { WorkApplier } from './work-applier.service.js';
import { WorkCaches } from './work-caches.service.js';
import { decideOrphanedAppliedWork, hasFinalizer, needsApply, type WorkMemory } from './work-decisions.js';
import { WorkStatusReporter } from './work-status-reporter.service.js';

export type ReconcileResult = { requeueAfterMs?: number };

/**
 * The work agent for one ManifestWork (open-cluster-management-io/ocm pkg/work/spoke/controllers/): cleanup
 * finalizer first; an AppliedManifestWork on the spoke as the owner of everything applied; manifests applied in
 * kind order with the work's update strategies; resources dropped from the work deleted; status (per-manifest
 * Applied, Available, feedback; work Applied and Available) written to the hub only when it changed. The apply runs
 * when the work's generation or labels change and every WORK_RESYNC_SECONDS (drift correction); the status every
 * STATUS_SYNC_SECONDS. Deletion honours deleteOption; an AppliedManifestWork whose work vanished from the hub is
 * evicted after a grace period. This class keeps the order of those steps; `WorkApplier`, `AppliedWorkService` and
 * `WorkStatusReporter` do them, and the decisions are the pure functions of `work-decisions.ts`.
 */
@Injectable()
export class ManifestWorkReconciler {
  private readonly memory = new Map<string, WorkMemory>();

  constructor(
    private readonly caches: WorkCaches,
    private readonly hub: HubClient,
    private readonly applier: WorkApplier,
    private readonly appliedWorks: AppliedWorkService,
    private readonly status: WorkStatusReporter,
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
      work = await this.hub
        .resource<ManifestWork>(RESOURCES.ManifestWork)
        .addFinalizer(work, FINALIZERS.ocmManifestWorkCleanup);
      this.logger.info({ cluster: this.hub.clusterName, work: name }, 'added the cleanup finalizer');
    }
    if (applied?.metadata.deletionTimestamp) {
      // Someone deleted the AppliedManifestWork: finish that (its resources go), then apply afresh.
      const done = await this.appliedWorks.delete(applied);
      this.forgetWork(name);
      return { requeueAfterMs: done ? 0 : this.retryDelayMs() };
    }
    const now = new Date();
    let memory = this.memory.get(name);
    if (memory === undefined || needsApply(memory, work, now.getTime())) {
      const nextApplyAt = now.getTime() + this.jitter(this.config.WORK_RESYNC_SECONDS * 1000, 0.5);
      memory = await this.applier.apply(work, applied, memory, now, nextApplyAt);
      this.memory.set(name, memory);
    }
    await this.status.sync(work, memory.manifests, now);
    if (memory.retryReason !== undefined) {
      throw new Error(`ManifestWork ${name} is not fully applied yet: ${memory.retryReason}`);
    }
    return { requeueAfterMs: this.jitter(this.config.STATUS_SYNC_SECONDS * 1000, 0.9) };
  }

  private forgetWork(name: string): void {
    this.memory.delete(name);
    this.status.forget(name);
  }

  /** When the work's manifests were last applied (or checked for drift) by this process. */
  lastAppliedAt(name: string): number | undefined {
    return this.memory.get(name)?.appliedAt;
  }

  /** Deletion: Deleting=True, applied resources removed (per deleteOption), AppliedManifestWork, then our finalizer. */
  private async finalize(work: ManifestWork, applied: AppliedManifestWork | undefined): Promise<ReconcileResult> {
    const name = work.metadata.name ?? '';
    if (!hasFinalizer(work, FINALIZERS.ocmManifestWorkCleanup)) {
      this.forgetWork(name);
      return {};
    }
    const latest = await this.status.markDeleting(work, new Date());
    if (applied !== undefined && !(await this.appliedWorks.delete(applied)))
      return { requeueAfterMs: this.retryDelayMs() };
    await this.hub
      .resource<ManifestWork>(RESOURCES.ManifestWork)
      .removeFinalizer(latest, FINALIZERS.ocmManifestWorkCleanup);
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
    if (!applied.metadata.deletionTimestamp) {
      const now = new Date();
      const decision = decideOrphanedAppliedWork(applied, now.getTime(), this.config.EVICTION_GRACE_SECONDS);
      if (decision.action === 'StartEviction') {
        await this.appliedWorks.startEviction(applied, now);
        this.logger.warn(
          { cluster: this.hub.clusterName, work: name },
          'ManifestWork is gone from the hub, eviction started',
        );
        return { requeueAfterMs: decision.requeueAfterMs };
      }
      if (decision.action === 'Wait') return { requeueAfterMs: decision.requeueAfterMs };
      this.logger.info({ cluster: this.hub.clusterName, work: name }, 'evicting AppliedManifestWork');
    }
    return (await this.appliedWorks.delete(applied)) ? {} : { requeueAfterMs: this.retryDelayMs() };
  }

  private retryDelayMs(): number {
    return Math.min(1000, this.config.MAX_BACKOFF_SECONDS * 1000);
  }

  /** `ms` stretched by up to `factor` at random, so many works do not sync in lockstep. */
  private jitter(ms: number, factor: number): number {
    return Math.round(ms * (1 + Math.random() * factor));
  }
}
