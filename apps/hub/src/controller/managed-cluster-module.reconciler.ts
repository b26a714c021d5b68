import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { hostname } from 'node:os';
import {
  ANNOTATIONS,
  CLUSTER_DELIVERY_STATES,
  FINALIZERS,
  RESOURCES,
  validateManagedClusterModule,
  type ClusterDeliveryState,
  type ClusterDeliveryStatus,
  type ManagedClusterModule,
  type ManifestWork,
} from '@kmm-hub/api';
import {
  KubeHttp,
  ResourceClient,
  isNotFound,
  LeaderElector,
  ServerSideApplier,
  WorkQueue,
  type KubeClientConfig,
} from '@kmm-hub/kube';
import { canonicalJson, publishedImages } from '@kmm-hub/manifestwork';
import {
  CLUSTER_DELIVERY_REASONS,
  kernelTargets,
  planClusterDelivery,
  selectClusters,
  clustersChangedTo,
  planImageFinding,
  summarizeStatus,
  type ImageFinding,
  type KernelTargets,
  type PipelineProgress,
  type SpecValidity,
} from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import { HubMetrics } from '../metrics/metrics.js';
import type { HubConfig } from '../config/config.schema.js';
import {
  IMAGE_PIPELINE,
  inputVersionKey,
  type ImagePipeline,
  type ImageProgress,
  type ImageRequest,
} from '../images/image-pipeline.js';
import { HUB_KUBE_CONFIG } from '../kube/hub-kube.module.js';
import { EventRecorderService } from './event-recorder.service.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { ImageTrackerService } from './image-tracker.service.js';
import {
  keysForHubInput,
  keysForManagedCluster,
  keysForManagedClusterModule,
  keysForManifestWork,
  keysForPlacementDecision,
} from './managed-cluster-module.mapper.js';
import { clusterKey, mcmKey, parseKey, statusKey, type ReconcileKey } from './reconcile-keys.js';

const MCM_FINALIZER = FINALIZERS.hubManagedClusterModule;

/**
 * The hub controller: ManagedClusterModule → one ManifestWork per selected cluster, digest-pinned, with status.
 * Runs only while this process holds the controller Lease. Reads only from the informer caches; writes are
 * server-side applies that happen only when the rendered content changed.
 */
@Injectable()
export class ManagedClusterModuleReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ManagedClusterModuleReconciler.name);
  private queue: WorkQueue<ReconcileKey> | undefined;
  private readonly elector: LeaderElector;
  /** Per MCM, per cluster: the last planned delivery status. Entries go when a cluster or an MCM goes. */
  private readonly results = new Map<string, Map<string, ClusterDeliveryStatus>>();
  /** The MCM generation each result was planned from: a result of an older one says nothing about the current. */
  private readonly plannedGeneration = new WeakMap<ClusterDeliveryStatus, number | undefined>();
  /** Clusters whose ManifestWork was written since the MCM's last status write, for one aggregated Event. */
  private readonly appliedSinceStatus = new Map<string, Set<string>>();
  /** When each MCM's status was last written (entries go with the MCM). */
  private readonly lastStatusWrite = new Map<string, number>();
  /** MCMs whose spec is invalid, with the message: nothing is planned or removed for them. */
  private readonly invalid = new Map<string, { reason: string; message: string }>();
  /** The generation of each MCM whose spec was checked under this Lease; status says Valid=Unknown until then. */
  private readonly validatedGeneration = new Map<string, number | undefined>();
  /**
   * Per MCM, per cluster: the uid of a ManifestWork whose deletion was requested or seen, and why. Its
   * `ManifestWorkDeleted` Event waits until the informer no longer holds it (its DELETE event re-plans the pair).
   */
  private readonly deletions = new Map<string, Map<string, { uid: string; why: string }>>();

  constructor(
    private readonly caches: HubCacheService,
    private readonly applier: ServerSideApplier,
    private readonly http: KubeHttp,
    private readonly images: ImageTrackerService,
    private readonly events: EventRecorderService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_KUBE_CONFIG) kc: KubeClientConfig,
    private readonly metrics: HubMetrics,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {
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
    const c = this.caches;
    const enqueueAll = (keys: ReconcileKey[]) => keys.forEach((k) => this.queue?.add(k));
    for (const ev of ['add', 'update', 'delete'] as const) {
      c.managedClusterModules.on(ev, (mcm, old) =>
        enqueueAll(keysForManagedClusterModule(mcm, ev === 'update' ? old : undefined)),
      );
      c.manifestWorks.on(ev, (mw) => enqueueAll(keysForManifestWork(mw)));
      c.placementDecisions.on(ev, (decision, old) =>
        enqueueAll(
          keysForPlacementDecision(decision, c.managedClusterModules.list(), ev === 'update' ? old : undefined),
        ),
      );
      c.managedClusters.on(ev, (cluster, old) => {
        // A heartbeat that changes neither labels, claims nor deletion needs no re-plan.
        if (ev === 'update' && old && !clusterChanged(old, cluster)) return;
        enqueueAll(
          keysForManagedCluster(
            cluster,
            c.managedClusterModules.list(),
            // Pairs planned before (a ManifestWork, or a pending result) must hear that the cluster left.
            (m, cl) => c.manifestWork(m, cl) !== undefined || this.results.get(m)?.has(cl) === true,
          ),
        );
      });
    }
    for (const inputs of [c.secrets, c.configMaps] as const) {
      inputs.on('update', (obj) =>
        enqueueAll(keysForHubInput(obj.metadata?.name ?? '', c.managedClusterModules.list())),
      );
      inputs.on('add', (obj) => enqueueAll(keysForHubInput(obj.metadata?.name ?? '', c.managedClusterModules.list())));
    }
    this.pipeline?.onSettled((settled) => {
      for (const [mcm, cluster] of this.waitingFor(settled.image, settled.kernel))
        this.queue?.add(clusterKey(mcm, cluster));
      if (settled.state === 'failed') {
        void this.recordForImage(
          settled.image,
          settled.kernel,
          'Warning',
          'ImageJobFailed',
          `${settled.image} for kernel ${settled.kernel} failed after ${settled.attempts} attempts: ${settled.lastError ?? ''}`,
        );
      } else if (settled.note !== undefined) {
        // The image is not simply the job's output: kept as someone else made it, or the hub's own replaced.
        void this.recordForImage(
          settled.image,
          settled.kernel,
          'Warning',
          settled.use === 'replaced' ? 'ImageReplaced' : 'ImageUsedAsIs',
          `kernel ${settled.kernel}: ${settled.note}`,
        );
      } else {
        void this.recordForImage(
          settled.image,
          settled.kernel,
          'Normal',
          'ImageReady',
          `${settled.image} for kernel ${settled.kernel} pushed${settled.digest ? ` as ${settled.digest}` : ''}`,
        );
      }
    });
    this.pipeline?.onAttemptFailed((failed) =>
      this.recordForImage(
        failed.image,
        failed.kernel,
        'Warning',
        'ImageJobAttemptFailed',
        `${failed.image} for kernel ${failed.kernel}, attempt ${failed.attempts}: ${failed.error}`,
      ),
    );
    this.pipeline?.onImagePushed((pushed) => this.images.invalidate(pushed.image));
    // Image checks run in the background; the (MCM, cluster) keys that asked are planned again when one lands.
    this.images.onChecked((waiters) => waiters.forEach((key) => this.queue?.add(key)));
    this.elector.start();
  }

  /** (MCM, cluster) pairs whose last plan names this image for this kernel. */
  private waitingFor(image: string, kernel: string): [string, string][] {
    const pairs: [string, string][] = [];
    for (const [mcm, clusters] of this.results) {
      for (const [cluster, status] of clusters) {
        if (status.kernels?.some((k) => k.image === image && k.kernel === kernel)) pairs.push([mcm, cluster]);
      }
    }
    return pairs;
  }

  /** An Event on every MCM that waits for this image (once per MCM, whatever the number of its clusters). */
  private async recordForImage(
    image: string,
    kernel: string,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    if (!this.elector.isLeader) return;
    for (const name of new Set(this.waitingFor(image, kernel).map(([mcm]) => mcm))) {
      const mcm = this.caches.managedClusterModules.get(name);
      if (mcm) await this.events.record(mcm, type, reason, message);
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
    this.results.clear();
    this.invalid.clear();
    this.validatedGeneration.clear();
    this.deletions.clear();
    this.lastStatusWrite.clear();
    this.appliedSinceStatus.clear();
  }

  private async measured(key: ReconcileKey): Promise<{ requeueAfterMs?: number } | void> {
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

  private async reconcile(key: ReconcileKey): Promise<{ requeueAfterMs?: number } | void> {
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case 'mcm':
        return this.reconcileManagedClusterModule(parsed.mcm);
      case 'cluster':
        return this.reconcileCluster(parsed.mcm, parsed.cluster);
      case 'status':
        return this.writeStatus(parsed.mcm);
    }
  }

  private async reconcileManagedClusterModule(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const mcm = this.caches.managedClusterModules.get(name);
    const owned = this.caches.manifestWorksOf(name);
    await this.recordDeleted(name, mcm);
    if (!mcm || mcm.metadata.deletionTimestamp) {
      for (const mw of owned.values()) await this.deleteManifestWork(mw, mcm, 'ManagedClusterModule is being deleted');
      if (!mcm) {
        this.results.delete(name);
        this.invalid.delete(name);
        this.validatedGeneration.delete(name);
        this.deletions.delete(name);
        this.lastStatusWrite.delete(name);
        this.appliedSinceStatus.delete(name);
        return;
      }
      // The spokes unload the module when their work agent removes the applied Module; only then does the
      // ManifestWork disappear from the hub, and only then may the MCM go. Meanwhile status names what is left.
      if (owned.size > 0) {
        this.queue?.add(statusKey(name));
        return { requeueAfterMs: 2_000 };
      }
      await this.setFinalizer(mcm, false);
      this.results.delete(name);
      this.invalid.delete(name);
      return;
    }
    await this.setFinalizer(mcm, true);

    const validation = validateManagedClusterModule(mcm);
    const selection = selectClusters(mcm, this.caches.managedClusters.list(), this.caches.placementDecisions.list());
    const problems = [
      ...(validation.ok ? [] : validation.issues.map((i) => `${i.path}: ${i.message}`)),
      ...(selection.ok ? [] : [selection.reason]),
    ];
    this.validatedGeneration.set(name, mcm.metadata.generation);
    if (problems.length > 0) {
      const message = problems.join('; ');
      const known = this.invalid.get(name)?.message === message;
      this.invalid.set(name, { reason: 'InvalidSpec', message });
      if (!known) {
        this.logger.warn(
          { mcm: name, issues: problems.length },
          'invalid ManagedClusterModule: keeping what was applied',
        );
        await this.events.record(
          mcm,
          'Warning',
          'InvalidSpec',
          `${message} (existing ManifestWorks are kept unchanged)`,
        );
      }
      this.queue?.add(statusKey(name));
      return;
    }
    this.invalid.delete(name);
    if (!selection.ok) return;
    const selected = new Set(selection.selection.selected.map((c) => c.metadata.name ?? ''));
    for (const cluster of selected) this.queue?.add(clusterKey(name, cluster));
    for (const cluster of owned.keys()) if (!selected.has(cluster)) this.queue?.add(clusterKey(name, cluster));
    const results = this.results.get(name);
    for (const cluster of results?.keys() ?? [])
      if (!selected.has(cluster) && !owned.has(cluster)) results?.delete(cluster);
    this.queue?.add(statusKey(name));
  }

  private async reconcileCluster(name: string, clusterName: string): Promise<{ requeueAfterMs?: number } | void> {
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm || mcm.metadata.deletionTimestamp) {
      this.queue?.add(mcmKey(name));
      return;
    }
    if (this.invalid.has(name)) return;
    // A new leader, or a spec change not validated yet: plan nothing from a spec nobody checked (the MCM key does it).
    if (!this.isValidated(mcm)) {
      this.queue?.add(mcmKey(name));
      return;
    }
    await this.recordDeleted(name, mcm);
    const current = this.caches.manifestWork(name, clusterName);
    const cluster = this.caches.managedClusters.get(clusterName);
    const selection = cluster ? selectClusters(mcm, [cluster], this.caches.placementDecisions.list()) : undefined;
    const selected = selection?.ok === true && selection.selection.selected.length === 1;
    if (!cluster || !selected) {
      if (current) await this.deleteManifestWork(current, mcm, `cluster ${clusterName} is no longer selected`);
      this.results.get(name)?.delete(clusterName);
      this.queue?.add(statusKey(name));
      return;
    }

    const targets = kernelTargets(mcm, cluster);
    const findings = await this.findImages(mcm, targets, clusterKey(name, clusterName), current);
    const plan = planClusterDelivery({ mcm, cluster: clusterName, targets, findings, ...(current && { current }) });
    if (plan.desired && current?.metadata.annotations?.[ANNOTATIONS.specHash] !== plan.specHash) {
      await this.applier.apply(plan.desired);
      this.logger.log({ mcm: name, cluster: clusterName, specHash: plan.specHash }, 'ManifestWork applied');
      // Reported in one Event per status write (see writeStatus), not one per cluster: a fan-out to 1,000 clusters
      // would otherwise double its API writes with Events.
      let applied = this.appliedSinceStatus.get(name);
      if (!applied) this.appliedSinceStatus.set(name, (applied = new Set()));
      applied.add(clusterName);
      this.queue?.add(statusKey(name));
    }
    let byCluster = this.results.get(name);
    if (!byCluster) this.results.set(name, (byCluster = new Map()));
    const previous = byCluster.get(clusterName);
    byCluster.set(clusterName, plan.status);
    this.plannedGeneration.set(plan.status, mcm.metadata.generation);
    if (canonicalJson(previous) !== canonicalJson(plan.status)) this.queue?.add(statusKey(name));
    this.reconciles++;
    // Images that are missing, failing or on their way are looked at again; a settled job wakes the key sooner.
    const waiting = plan.status.kernels?.some((k) => k.state !== 'Ready' && k.state !== 'Unmapped');
    // Published tags are looked at again once their cached digest expires, so a moved tag is re-pinned.
    return { requeueAfterMs: (waiting ? this.config.RECHECK_INTERVAL_S : this.config.IMAGE_CHECK_TTL_S) * 1000 };
  }

  /**
   * Looks every targeted kernel's image up (without waiting for registries: `key` is woken when a check lands),
   * and hands absent images that have build or sign to the pipeline.
   */
  private async findImages(
    mcm: ManagedClusterModule,
    targets: KernelTargets,
    key: ReconcileKey,
    current?: ManifestWork,
  ): Promise<Map<string, ImageFinding>> {
    const findings = new Map<string, ImageFinding>();
    if (!targets.ok) return findings;
    const pullSecret = mcm.spec?.moduleSpec?.imageRepoSecret?.name;
    const published = publishedImages(current);
    await Promise.all(
      targets.targets.map(async ({ kernel, resolution }) => {
        if (!resolution.ok) return;
        const m = resolution.mapping;
        const step = planImageFinding({
          image: m.containerImage,
          lookup: this.images.peek(m.containerImage, m.registryTLS, pullSecret, key),
          published: published.get(kernel),
          buildsOrSigns: Boolean(m.build || m.sign),
          pipeline: this.pipeline !== undefined,
        });
        if (step.kind === 'finding') return findings.set(kernel, step.finding);
        if (!this.pipeline) return findings; // planImageFinding asks for the pipeline only when there is one
        if (step.kind === 'rebuild') {
          const rebuild = await this.pipeline.request({
            ...this.imageRequest(mcm, kernel, m),
            ...(step.presentDigest !== undefined && { presentDigest: step.presentDigest }),
          });
          return findings.set(kernel, { ...step.finding, rebuild: pick(rebuild) });
        }
        const progress = await this.pipeline.request(this.imageRequest(mcm, kernel, m));
        return findings.set(kernel, { kind: 'pipeline', ...pick(progress) });
      }),
    );
    return findings;
  }

  private imageRequest(
    mcm: ManagedClusterModule,
    kernel: string,
    m: import('@kmm-hub/kernel').ResolvedKernelMapping,
  ): ImageRequest {
    const versions: Record<string, string> = {};
    const secretVersion = (name: string | undefined) => {
      if (!name) return;
      const rv = this.caches.secrets.get(name, this.config.HUB_NAMESPACE)?.metadata?.resourceVersion;
      if (rv) versions[inputVersionKey('Secret', name)] = rv;
    };
    for (const s of m.build?.secrets ?? []) secretVersion(s.name);
    const dockerfile = m.build?.dockerfileConfigMap?.name;
    const dockerfileVersion =
      dockerfile && this.caches.configMaps.get(dockerfile, this.config.HUB_NAMESPACE)?.metadata?.resourceVersion;
    if (dockerfile && dockerfileVersion) versions[inputVersionKey('ConfigMap', dockerfile)] = dockerfileVersion;
    secretVersion(m.sign?.keySecret?.name);
    secretVersion(m.sign?.certSecret?.name);
    const pullSecret = mcm.spec?.moduleSpec?.imageRepoSecret?.name;
    secretVersion(pullSecret);
    const moduleLoader = mcm.spec?.moduleSpec?.moduleLoader?.container;
    return {
      mcm: mcm.metadata.name ?? '',
      moduleName: m.context.module.name,
      moduleNamespace: m.context.module.namespace,
      kernel,
      image: m.containerImage,
      ...(m.build && { build: m.build }),
      ...(m.sign && { sign: m.sign }),
      registryTLS: m.registryTLS,
      ...(pullSecret && {
        imageRepoSecret: { name: pullSecret, resourceVersion: versions[inputVersionKey('Secret', pullSecret)] ?? '' },
      }),
      inputVersions: versions,
      ...(moduleLoader?.modprobe?.dirName && { dirName: moduleLoader.modprobe.dirName }),
    };
  }

  private async writeStatus(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm) {
      this.lastStatusWrite.delete(name);
      return;
    }
    // One MCM's status covers every cluster: while a fan-out changes clusters by the hundred, write it at most once
    // per interval (the queue coalesces the keys that arrive meanwhile) instead of once per cluster.
    const wait = (this.lastStatusWrite.get(name) ?? 0) + this.config.STATUS_WRITE_INTERVAL_MS - Date.now();
    if (wait > 0) return { requeueAfterMs: wait };
    const selection = selectClusters(mcm, this.caches.managedClusters.list(), this.caches.placementDecisions.list());
    const results = this.results.get(name);
    const clusters = selection.ok
      ? selection.selection.selected.map(
          (c): ClusterDeliveryStatus =>
            results?.get(c.metadata.name ?? '') ?? {
              name: c.metadata.name ?? '',
              state: CLUSTER_DELIVERY_STATES.Pending,
              reason: CLUSTER_DELIVERY_REASONS.NotPlannedYet,
            },
        )
      : [];
    const manifestWorks = this.caches.manifestWorksOf(name);
    // A spec change re-plans every cluster, but this write may come first: their old results are not this generation's.
    const stale = new Set(
      clusters
        .filter((c) => results?.get(c.name) === c && this.plannedGeneration.get(c) !== mcm.metadata.generation)
        .map((c) => c.name),
    );
    const invalid = this.invalid.get(name);
    const validity: SpecValidity = !this.isValidated(mcm)
      ? { state: 'Unchecked' }
      : invalid
        ? { state: 'Invalid', ...invalid }
        : { state: 'Valid' };
    const status = summarizeStatus({
      mcm,
      validity,
      clusters,
      manifestWorks,
      ...(mcm.metadata.deletionTimestamp && {
        deleting: [...manifestWorks].map(([cluster, mw]) => ({
          cluster,
          name: mw.metadata.name ?? name,
          finalizers: mw.metadata.finalizers ?? [],
          deletionRequested: Boolean(mw.metadata.deletionTimestamp),
        })),
      }),
      now: new Date(),
      maxClusterBytes: this.config.STATUS_MAX_CLUSTER_BYTES,
      ...(stale.size > 0 && { stale }),
    });
    // While deleting, status lists the clusters being cleaned up, and transitions are judged on those.
    const listed = mcm.metadata.deletionTimestamp ? (status.clusters ?? []) : clusters;
    if (canonicalJson(status) === canonicalJson(mcm.status ?? {})) {
      await this.recordTransitions(mcm, listed);
      return;
    }
    this.lastStatusWrite.set(name, Date.now());
    await this.applier.apply(
      {
        apiVersion: RESOURCES.ManagedClusterModule.apiVersion,
        kind: RESOURCES.ManagedClusterModule.kind,
        metadata: { name },
        status,
      } as ManagedClusterModule,
      { subresource: 'status' },
    );
    await this.recordTransitions(mcm, listed);
  }

  /** One Event per kind of change since the last status write, naming the clusters (the first few of many). */
  private async recordTransitions(mcm: ManagedClusterModule, clusters: ClusterDeliveryStatus[]): Promise<void> {
    const name = mcm.metadata.name ?? '';
    const names = (list: string[]) =>
      list.length > 10 ? `${list.slice(0, 10).join(', ')} and ${list.length - 10} more` : list.join(', ');
    const applied = [...(this.appliedSinceStatus.get(name) ?? [])];
    this.appliedSinceStatus.delete(name);
    if (applied.length > 0) {
      await this.events.record(
        mcm,
        'Normal',
        'ManifestWorkApplied',
        `ManifestWork written for ${applied.length} clusters: ${names(applied)}`,
      );
    }
    const changedTo = (state: ClusterDeliveryState) => clustersChangedTo(mcm.status, clusters, state);
    const degraded = changedTo(CLUSTER_DELIVERY_STATES.Degraded);
    if (degraded.length > 0) {
      await this.events.record(
        mcm,
        'Warning',
        degraded[0]!.reason ?? 'Degraded',
        degraded.length === 1
          ? `cluster ${degraded[0]!.name}: ${degraded[0]!.message ?? ''}`
          : `${degraded.length} clusters degraded: ${names(degraded.map((c) => c.name))}; ${degraded[0]!.name}: ${degraded[0]!.message ?? ''}`,
      );
    }
    const ready = changedTo(CLUSTER_DELIVERY_STATES.Ready);
    if (ready.length > 0) {
      await this.events.record(
        mcm,
        'Normal',
        'ClusterReady',
        `${ready.length} clusters ready: ${names(ready.map((c) => c.name))}`,
      );
    }
  }

  private async deleteManifestWork(
    mw: ManifestWork,
    mcm: ManagedClusterModule | undefined,
    why: string,
  ): Promise<void> {
    const cluster = mw.metadata.namespace ?? '';
    const mcmName = mcm?.metadata.name ?? mw.metadata.name ?? '';
    let pending = this.deletions.get(mcmName);
    if (!pending) this.deletions.set(mcmName, (pending = new Map()));
    if (!pending.has(cluster)) pending.set(cluster, { uid: mw.metadata.uid ?? '', why });
    if (mw.metadata.deletionTimestamp) return;
    try {
      // The uid precondition makes sure we delete exactly the object we judged to be ours.
      await new ResourceClient<ManifestWork>(this.http, RESOURCES.ManifestWork).delete(mw.metadata.name ?? '', {
        namespace: cluster,
        preconditions: { uid: mw.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return;
    }
    this.logger.log({ mcm: mw.metadata.name, cluster, why }, 'ManifestWork deletion requested');
    // Requested is not gone: finalizers (the work agent's cleanup) hold it until the spoke removed the Module.
    // ManifestWorkDeleted follows once the informer has seen it go (recordDeleted).
    const held = mw.metadata.finalizers ?? [];
    if (mcm) {
      await this.events.record(
        mcm,
        'Normal',
        'ManifestWorkDeleting',
        `cluster ${cluster}: deletion of ManifestWork ${cluster}/${mw.metadata.name} requested (${why})${held.length > 0 ? `; finalizers ${held.join(', ')} hold it until the work agent has removed the Module` : ''}`,
      );
    }
  }

  /** The spec of the MCM's current generation was checked under this Lease. */
  private isValidated(mcm: ManagedClusterModule): boolean {
    const name = mcm.metadata.name ?? '';
    return this.validatedGeneration.has(name) && this.validatedGeneration.get(name) === mcm.metadata.generation;
  }

  /** `ManifestWorkDeleted` for every ManifestWork of this MCM whose deletion we saw requested and that is now gone. */
  private async recordDeleted(name: string, mcm: ManagedClusterModule | undefined): Promise<void> {
    const pending = this.deletions.get(name);
    if (!pending) return;
    for (const [cluster, { uid, why }] of pending) {
      if (this.caches.manifestWork(name, cluster)?.metadata.uid === uid) continue;
      pending.delete(cluster);
      this.logger.log({ mcm: name, cluster, why }, 'ManifestWork deleted');
      if (mcm)
        await this.events.record(
          mcm,
          'Normal',
          'ManifestWorkDeleted',
          `cluster ${cluster}: ManifestWork ${cluster}/${name} is gone (${why})`,
        );
    }
    if (pending.size === 0) this.deletions.delete(name);
  }

  /** Adds or removes our finalizer, guarded by resourceVersion and keeping others' finalizers. */
  private async setFinalizer(mcm: ManagedClusterModule, present: boolean): Promise<void> {
    const mcms = new ResourceClient<ManagedClusterModule>(this.http, RESOURCES.ManagedClusterModule);
    if (present) await mcms.addFinalizer(mcm, MCM_FINALIZER);
    else await mcms.removeFinalizer(mcm, MCM_FINALIZER);
  }
}

function clusterChanged(
  old: import('@kmm-hub/api').ManagedCluster,
  now: import('@kmm-hub/api').ManagedCluster,
): boolean {
  return (
    canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(now.metadata.labels ?? {}) ||
    canonicalJson(old.status?.clusterClaims ?? []) !== canonicalJson(now.status?.clusterClaims ?? []) ||
    Boolean(old.metadata.deletionTimestamp) !== Boolean(now.metadata.deletionTimestamp)
  );
}

function pick(p: ImageProgress): PipelineProgress {
  return {
    state: p.state,
    attempts: p.attempts,
    ...(p.lastError && { lastError: p.lastError }),
    ...(p.note && { note: p.note }),
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
