import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { FINALIZERS, RESOURCES, type ManagedCluster, type ManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ResourceClient, LeaderElector, WorkQueue, type KubeClientConfig } from '@kmm-hub/kube';
import {
  clusterRecheckAfterMs,
  decideManagedClusterModule,
  isClusterSelected,
  kernelTargets,
  manifestWorkToWrite,
  planClusterDelivery,
  type ClusterDeliveryPlan,
  type PlannedEvent,
} from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { IMAGE_PIPELINE, type ImagePipeline } from '../images/image-pipeline.js';
import { HUB_KUBE_CONFIG } from '../kube/hub-kube.module.js';
import { HubMetrics } from '../metrics/metrics.js';
import { ClusterImageFinder } from './cluster-image-finder.js';
import { EventRecorderService } from './event-recorder.service.js';
import { imageAttemptFailedEvent, imageSettledEvent } from './image-pipeline-events.js';
import { ImageTrackerService } from './image-tracker.service.js';
import { ManifestWorkWriter } from './manifest-work-writer.js';
import { ManagedClusterModuleStatusWriter } from './mcm-status-writer.js';
import { RolloutGate } from './rollout-gate.js';
import { clusterKey, mcmKey, parseKey, statusKey, type ReconcileKey } from './reconcile-keys.js';
import { SpecValidityBook } from './spec-validity-book.js';
import { subscribeHubChanges } from './subscribe-hub-changes.js';

type ReconcileResult = { requeueAfterMs?: number } | void;

/**
 * The hub controller: ManagedClusterModule → one ManifestWork per selected cluster, digest-pinned, with status.
 * Runs only while this process holds the controller Lease. Reads only from the informer caches; decisions are the
 * planner's, writes go through `ManifestWorkWriter` and `ManagedClusterModuleStatusWriter`. This class keeps the
 * wiring (informers → keys → queue) and the order of the steps.
 */
@Injectable()
export class ManagedClusterModuleReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ManagedClusterModuleReconciler.name);
  private queue: WorkQueue<ReconcileKey> | undefined;
  private readonly elector: LeaderElector;
  private readonly mcms: ResourceClient<ManagedClusterModule>;
  /** Each MCM's spec as checked under this Lease. */
  private readonly specs = new SpecValidityBook();

  constructor(
    private readonly caches: HubCacheService,
    private readonly images: ImageTrackerService,
    private readonly finder: ClusterImageFinder,
    private readonly works: ManifestWorkWriter,
    private readonly status: ManagedClusterModuleStatusWriter,
    private readonly rollouts: RolloutGate,
    private readonly events: EventRecorderService,
    http: KubeHttp,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_KUBE_CONFIG) kc: KubeClientConfig,
    private readonly metrics: HubMetrics,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {
    this.mcms = new ResourceClient<ManagedClusterModule>(http, RESOURCES.ManagedClusterModule);
    this.elector = new LeaderElector(kc, {
      namespace: config.HUB_NAMESPACE,
      name: config.LEASE_NAME,
      identity: config.POD_NAME ?? `${hostname()}_${process.pid}`,
      leaseDurationSeconds: config.LEASE_DURATION_S,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => this.stopLeading(),
      onError: (err) => this.logger.warn({ err: String(err) }, 'leader election round failed'),
    });
    metrics.setLeaderSource(config.LEASE_NAME, () => this.elector.isLeader);
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** Keys waiting or running; zero when the fleet is settled. */
  get pendingKeys(): number {
    return this.queue?.pending ?? 0;
  }

  /** (MCM, cluster) plans completed since start: lets tests and metrics see the controller make progress. */
  reconciles = 0;

  onApplicationBootstrap(): void {
    subscribeHubChanges(
      this.caches,
      (key) => this.queue?.add(key),
      (mcm, cluster) => this.status.hasPlanned(mcm, cluster),
      (mw) => this.works.isOwnCreate(mw),
    );
    this.pipeline?.onSettled((settled) => {
      for (const [mcm, cluster] of this.status.waitingFor(settled.image, settled.kernel))
        this.queue?.add(clusterKey(mcm, cluster));
      void this.recordForImage(settled.image, settled.kernel, imageSettledEvent(settled));
    });
    this.pipeline?.onAttemptFailed((failed) =>
      this.recordForImage(failed.image, failed.kernel, imageAttemptFailedEvent(failed)),
    );
    this.pipeline?.onImagePushed((pushed) => this.images.invalidate(pushed.image));
    // Image checks run in the background; the (MCM, cluster) keys that asked are planned again when one lands.
    this.images.onChecked((waiters) => waiters.forEach((key) => this.queue?.add(key)));
    this.elector.start();
  }

  /** An Event on every MCM that waits for this image (once per MCM, whatever the number of its clusters). */
  private async recordForImage(image: string, kernel: string, event: PlannedEvent): Promise<void> {
    if (!this.elector.isLeader) return;
    for (const name of new Set(this.status.waitingFor(image, kernel).map(([mcm]) => mcm))) {
      const mcm = this.caches.managedClusterModules.get(name);
      if (mcm) await this.events.record(mcm, event.type, event.reason, event.message);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.elector.stop();
    this.queue?.stop();
  }

  private async startLeading(): Promise<void> {
    this.logger.log({ lease: this.config.LEASE_NAME }, 'leading: controller started');
    await this.caches.synced();
    this.queue = new WorkQueue<ReconcileKey>({
      concurrency: this.config.RECONCILE_CONCURRENCY,
      handler: (key) => this.measured(key),
      onError: (key, err, retryInMs) =>
        this.logger.warn({ key, retryInMs, err: describe(err) }, 'reconcile failed, retrying'),
    });
    for (const mcm of this.caches.managedClusterModules.list()) this.queue.add(mcmKey(mcm.metadata.name ?? ''));
  }

  private stopLeading(): void {
    this.logger.warn({ lease: this.config.LEASE_NAME }, 'lost leadership: controller stopped');
    this.queue?.stop();
    this.queue = undefined;
    this.specs.clear();
    this.works.clear();
    this.status.clear();
    this.rollouts.clear();
  }

  private async measured(key: ReconcileKey): Promise<ReconcileResult> {
    const start = performance.now();
    try {
      const result = await this.reconcile(key);
      this.metrics.observeReconcile(
        result?.requeueAfterMs !== undefined ? 'requeue' : 'success',
        (performance.now() - start) / 1000,
      );
      return result;
    } catch (err) {
      this.metrics.observeReconcile('error', (performance.now() - start) / 1000);
      throw err;
    }
  }

  private async reconcile(key: ReconcileKey): Promise<ReconcileResult> {
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case 'mcm':
        return this.reconcileManagedClusterModule(parsed.mcm);
      case 'cluster':
        return this.reconcileCluster(parsed.mcm, parsed.cluster);
      case 'status':
        return this.status.write(parsed.mcm, (mcm) => this.specs.validityOf(mcm));
    }
  }

  private async reconcileManagedClusterModule(name: string): Promise<ReconcileResult> {
    const mcm = this.caches.managedClusterModules.get(name);
    const owned = this.caches.manifestWorksOf(name);
    await this.works.recordDeleted(name, mcm);
    const decision = decideManagedClusterModule({
      mcm,
      owned: [...owned.keys()],
      planned: this.status.plannedClusters(name),
      clusters: this.caches.managedClusters.list(),
      placementDecisions: this.caches.placementDecisions.list(),
    });
    if (!mcm || decision.action === 'Forget') {
      for (const mw of owned.values()) await this.works.delete(mw, mcm, 'ManagedClusterModule is being deleted');
      this.forget(name);
      return;
    }
    switch (decision.action) {
      case 'AwaitManifestWorkDeletion':
        for (const mw of owned.values()) await this.works.delete(mw, mcm, 'ManagedClusterModule is being deleted');
        this.queue?.add(statusKey(name));
        return { requeueAfterMs: 2_000 };
      case 'RemoveFinalizer':
        await this.mcms.removeFinalizer(mcm, FINALIZERS.hubManagedClusterModule);
        this.status.forgetPlanned(name);
        this.specs.forgetVerdict(name);
        return;
    }
    await this.mcms.addFinalizer(mcm, FINALIZERS.hubManagedClusterModule);
    if (decision.action === 'Invalid') {
      if (this.specs.markInvalid(mcm, decision.message)) {
        this.logger.warn(
          { mcm: name, issues: decision.issues },
          'invalid ManagedClusterModule: keeping what was applied',
        );
        const message = `${decision.message} (existing ManifestWorks are kept unchanged)`;
        await this.events.record(mcm, 'Warning', 'InvalidSpec', message);
      }
      this.queue?.add(statusKey(name));
      return;
    }
    this.specs.markValid(mcm);
    for (const cluster of decision.clusters) this.queue?.add(clusterKey(name, cluster));
    for (const cluster of decision.forget) {
      this.status.forgetCluster(name, cluster);
      this.rollouts.forgetCluster(name, cluster);
    }
    this.queue?.add(statusKey(name));
  }

  private async reconcileCluster(name: string, clusterName: string): Promise<ReconcileResult> {
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm || mcm.metadata.deletionTimestamp) {
      this.queue?.add(mcmKey(name));
      return;
    }
    if (this.specs.isInvalid(name)) return;
    // A new leader, or a spec change not validated yet: plan nothing from a spec nobody checked (the MCM key does it).
    if (!this.specs.isChecked(mcm)) {
      this.queue?.add(mcmKey(name));
      return;
    }
    await this.works.recordDeleted(name, mcm);
    const current = this.caches.manifestWork(name, clusterName);
    const cluster = this.caches.managedClusters.get(clusterName);
    if (!cluster || !isClusterSelected(mcm, cluster, this.caches.placementDecisions.list())) {
      if (current) await this.works.delete(current, mcm, `cluster ${clusterName} is no longer selected`);
      this.status.forgetCluster(name, clusterName);
      this.rollouts.forgetCluster(name, clusterName);
      this.queue?.add(statusKey(name));
      return;
    }

    const plan = await this.planCluster(mcm, cluster, current);
    // spec.rollout: a cluster whose wave has not come keeps the ManifestWork it has (the previous digests).
    const rollout = this.rollouts.decide(mcm, clusterName, plan.desired ? plan.specHash : undefined, new Date());
    for (const other of rollout.released) this.queue?.add(clusterKey(name, other));
    if (rollout.changed) this.queue?.add(statusKey(name));
    const write = rollout.deliver ? manifestWorkToWrite(plan, current) : undefined;
    if (write) {
      await this.works.apply(write, plan.specHash, current === undefined);
      // Reported in one Event per status write, not one per cluster (see transitionEvents).
      this.status.recordApplied(name, clusterName);
      this.queue?.add(statusKey(name));
    }
    if (this.status.recordPlanned(mcm, clusterName, plan.status)) this.queue?.add(statusKey(name));
    this.reconciles++;
    const recheckAfterMs = clusterRecheckAfterMs(plan.status, {
      recheckIntervalS: this.config.RECHECK_INTERVAL_S,
      settledResyncS: this.config.RESYNC_INTERVAL_S,
      jitter: Math.random(),
    });
    return { requeueAfterMs: Math.min(recheckAfterMs, rollout.requeueAfterMs ?? Infinity) };
  }

  /**
   * The one place where the desired ManifestWork of a selected cluster, and its delivery status, are decided
   * (the writer then applies `desired` only when its spec hash differs from the live object's).
   */
  private async planCluster(
    mcm: ManagedClusterModule,
    cluster: ManagedCluster,
    current: ManifestWork | undefined,
  ): Promise<ClusterDeliveryPlan> {
    const name = cluster.metadata.name ?? '';
    const targets = kernelTargets(mcm, cluster);
    const findings = await this.finder.find(mcm, targets, clusterKey(mcm.metadata.name ?? '', name), current);
    return planClusterDelivery({ mcm, cluster: name, targets, findings, ...(current && { current }) });
  }

  private forget(name: string): void {
    this.rollouts.forget(name);
    this.specs.forget(name);
    this.works.forget(name);
    this.status.forget(name);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
