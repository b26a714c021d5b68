import { Injectable, Logger } from '@nestjs/common';
import { RESOURCES, type ManagedClusterModule, type ManifestWork } from '@kmm-hub/api';
import { KubeHttp, ResourceClient, ServerSideApplier, isNotFound } from '@kmm-hub/kube';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { EventRecorderService } from './event-recorder.service.js';

/**
 * Writes ManifestWorks: server-side applies of the planned ones, and deletions with a uid precondition. A deletion
 * is announced twice: `ManifestWorkDeleting` when requested, `ManifestWorkDeleted` only once the informer no longer
 * holds the object (finalizers of the work agent hold it until the spoke removed the Module).
 */
@Injectable()
export class ManifestWorkWriter {
  private readonly logger = new Logger(ManifestWorkWriter.name);
  private readonly manifestWorks: ResourceClient<ManifestWork>;
  /**
   * Per MCM, per cluster: the uid of a ManifestWork whose deletion was requested or seen, and why. Its
   * `ManifestWorkDeleted` Event waits until the informer no longer holds it (its DELETE event re-plans the pair).
   */
  private readonly deletions = new Map<string, Map<string, { uid: string; why: string }>>();
  /**
   * ManifestWorks this hub created and whose ADDED event has not come back yet, by namespace/name, with the
   * resourceVersion the create returned (see `isOwnCreate`).
   */
  private readonly created = new Map<string, string>();

  constructor(
    private readonly caches: HubCacheService,
    private readonly applier: ServerSideApplier,
    private readonly events: EventRecorderService,
    http: KubeHttp,
  ) {
    this.manifestWorks = new ResourceClient<ManifestWork>(http, RESOURCES.ManifestWork);
  }

  /** `creating`: no ManifestWork existed when the plan was made (this write creates it). */
  async apply(desired: ManifestWork, specHash: string | undefined, creating = false): Promise<void> {
    const written = await this.applier.apply(desired);
    const version = written.metadata?.resourceVersion;
    if (creating && version !== undefined) this.created.set(workKey(written), version);
    this.logger.log(
      { mcm: desired.metadata.name, cluster: desired.metadata.namespace, specHash },
      'ManifestWork applied',
    );
  }

  /**
   * True for the watch event of a ManifestWork exactly as this hub created it (same resourceVersion): the plan that
   * created it already holds the status a new plan would compute (a new ManifestWork has no status, and its spec
   * hash is the planned one; `plan-cluster-delivery.spec.ts` checks the two plans agree), so re-planning the pair
   * for it is wasted work: one plan per ManifestWork in a fan-out. Any event of that ManifestWork forgets the entry;
   * an event that beats the create's response is simply not recognised (the pair is planned once more).
   */
  isOwnCreate(mw: ManifestWork): boolean {
    const key = workKey(mw);
    const version = this.created.get(key);
    if (version === undefined) return false;
    this.created.delete(key);
    return version === mw.metadata.resourceVersion;
  }

  /** Requests deletion of exactly this object (uid precondition) unless already requested; remembers it for `recordDeleted`. */
  async delete(mw: ManifestWork, mcm: ManagedClusterModule | undefined, why: string): Promise<void> {
    const cluster = mw.metadata.namespace ?? '';
    const mcmName = mcm?.metadata.name ?? mw.metadata.name ?? '';
    let pending = this.deletions.get(mcmName);
    if (!pending) this.deletions.set(mcmName, (pending = new Map()));
    if (!pending.has(cluster)) pending.set(cluster, { uid: mw.metadata.uid ?? '', why });
    if (mw.metadata.deletionTimestamp) return;
    try {
      // The uid precondition makes sure we delete exactly the object we judged to be ours.
      await this.manifestWorks.delete(mw.metadata.name ?? '', {
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

  /** `ManifestWorkDeleted` for every ManifestWork of this MCM whose deletion we saw requested and that is now gone. */
  async recordDeleted(name: string, mcm: ManagedClusterModule | undefined): Promise<void> {
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

  forget(name: string): void {
    this.deletions.delete(name);
  }

  clear(): void {
    this.deletions.clear();
  }
}

const workKey = (mw: ManifestWork) => `${mw.metadata.namespace}/${mw.metadata.name}`;
