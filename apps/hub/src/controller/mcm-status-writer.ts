import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import {
  CLUSTER_DELIVERY_STATES,
  RESOURCES,
  type ClusterDeliveryStatus,
  type ManagedClusterModule,
} from '@kmm-hub/api';
import { ServerSideApplier } from '@kmm-hub/kube';
import {
  CLUSTER_DELIVERY_REASONS,
  selectClusters,
  statusNeedsWrite,
  statusWriteIntervalMs,
  summarizeStatus,
  transitionEvents,
  type SpecValidity,
} from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { EventRecorderService } from './event-recorder.service.js';
import { RolloutGate } from './rollout-gate.js';

/**
 * The status side of the hub controller: keeps each (MCM, cluster)'s last planned delivery status, aggregates them
 * into the MCM's status (`summarizeStatus`), writes it at most once per `STATUS_WRITE_INTERVAL_MS`, and records the
 * transitions since the last write as Events (one per kind of change, not one per cluster).
 */
@Injectable()
export class ManagedClusterModuleStatusWriter {
  /** Per MCM, per cluster: the last planned delivery status. Entries go when a cluster or an MCM goes. */
  private readonly results = new Map<string, Map<string, ClusterDeliveryStatus>>();
  /** The MCM generation each result was planned from: a result of an older one says nothing about the current. */
  private readonly plannedGeneration = new WeakMap<ClusterDeliveryStatus, number | undefined>();
  /** Clusters whose ManifestWork was written since the MCM's last status write, for one aggregated Event. */
  private readonly appliedSinceStatus = new Map<string, Set<string>>();
  /** When each MCM's status may be written next (entries go with the MCM). */
  private readonly nextStatusWrite = new Map<string, number>();

  constructor(
    private readonly caches: HubCacheService,
    private readonly applier: ServerSideApplier,
    private readonly events: EventRecorderService,
    private readonly rollouts: RolloutGate,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Keeps a cluster's planned status; true when it differs from the one kept before (status must be written). */
  recordPlanned(mcm: ManagedClusterModule, cluster: string, status: ClusterDeliveryStatus): boolean {
    const name = mcm.metadata.name ?? '';
    let byCluster = this.results.get(name);
    if (!byCluster) this.results.set(name, (byCluster = new Map()));
    const previous = byCluster.get(cluster);
    byCluster.set(cluster, status);
    this.plannedGeneration.set(status, mcm.metadata.generation);
    // Compared as values, without serialising either (a plan per pair per change); a key present but undefined on
    // one side only counts as a change, which costs a status pass that then finds nothing to write.
    return previous === undefined || !isDeepStrictEqual(previous, status);
  }

  /** A ManifestWork was written for this cluster: named in the Event of the next status write. */
  recordApplied(name: string, cluster: string): void {
    let applied = this.appliedSinceStatus.get(name);
    if (!applied) this.appliedSinceStatus.set(name, (applied = new Set()));
    applied.add(cluster);
  }

  hasPlanned(name: string, cluster: string): boolean {
    return this.results.get(name)?.has(cluster) === true;
  }

  plannedClusters(name: string): string[] {
    return [...(this.results.get(name)?.keys() ?? [])];
  }

  forgetCluster(name: string, cluster: string): void {
    this.results.get(name)?.delete(cluster);
  }

  /** Drops the planned statuses of an MCM. */
  forgetPlanned(name: string): void {
    this.results.delete(name);
  }

  /** Drops everything kept for an MCM that is gone. */
  forget(name: string): void {
    this.results.delete(name);
    this.nextStatusWrite.delete(name);
    this.appliedSinceStatus.delete(name);
  }

  clear(): void {
    this.results.clear();
    this.nextStatusWrite.clear();
    this.appliedSinceStatus.clear();
  }

  /** (MCM, cluster) pairs whose last plan names this image for this kernel. */
  waitingFor(image: string, kernel: string): [string, string][] {
    const pairs: [string, string][] = [];
    for (const [mcm, clusters] of this.results) {
      for (const [cluster, status] of clusters) {
        if (status.kernels?.some((k) => k.image === image && k.kernel === kernel)) pairs.push([mcm, cluster]);
      }
    }
    return pairs;
  }

  /** Writes the MCM's status when it changed and the interval allows; `validity` is the controller's view of the spec. */
  async write(
    name: string,
    validity: (mcm: ManagedClusterModule) => SpecValidity,
  ): Promise<{ requeueAfterMs?: number } | void> {
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm) {
      this.nextStatusWrite.delete(name);
      return;
    }
    // One MCM's status covers every cluster: while a fan-out changes clusters by the hundred, write it at most once
    // per interval (the queue coalesces the keys that arrive meanwhile) instead of once per cluster; the interval
    // grows with the clusters the MCM selects (statusWriteIntervalMs).
    const wait = (this.nextStatusWrite.get(name) ?? 0) - Date.now();
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
    // Before this leader planned the rollout, the stored status.rollout is carried over: it holds when each cluster
    // of the current wave received the content.
    const rollout =
      this.rollouts.planOf(mcm) ??
      ((mcm.spec?.rollout?.type ?? 'All') !== 'All' && mcm.status?.rollout
        ? { clusters: [], status: mcm.status.rollout }
        : undefined);
    const status = summarizeStatus({
      mcm,
      validity: validity(mcm),
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
      ...(rollout && { rollout }),
    });
    // While deleting, status lists the clusters being cleaned up, and transitions are judged on those.
    const listed = mcm.metadata.deletionTimestamp ? (status.clusters ?? []) : clusters;
    if (statusNeedsWrite(status, mcm.status)) {
      this.nextStatusWrite.set(
        name,
        Date.now() + statusWriteIntervalMs(clusters.length, this.config.STATUS_WRITE_INTERVAL_MS),
      );
      await this.applier.apply(
        {
          apiVersion: RESOURCES.ManagedClusterModule.apiVersion,
          kind: RESOURCES.ManagedClusterModule.kind,
          metadata: { name },
          status,
        } as ManagedClusterModule,
        { subresource: 'status' },
      );
    }
    await this.recordTransitions(mcm, listed);
  }

  private async recordTransitions(mcm: ManagedClusterModule, clusters: ClusterDeliveryStatus[]): Promise<void> {
    const name = mcm.metadata.name ?? '';
    const applied = [...(this.appliedSinceStatus.get(name) ?? [])];
    this.appliedSinceStatus.delete(name);
    for (const event of transitionEvents({ previous: mcm.status, clusters, applied })) {
      await this.events.record(mcm, event.type, event.reason, event.message);
    }
  }
}
