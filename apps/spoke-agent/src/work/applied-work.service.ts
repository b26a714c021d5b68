import { Injectable } from '@nestjs/common';
import { FINALIZERS, RESOURCES, type AppliedManifestWork, type ManifestWork } from '@kmm-hub/api';
import { isAlreadyExists, isNotFound } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient, SpokeClient } from '../clusters/cluster-clients.js';
import { AppliedResourceRemover } from './applied-resource-remover.js';
import { appliedResourceKey, sameAppliedResources, type AppliedResource } from './applied-resources.js';
import { appliedWorkName } from './manifest-work.mapper.js';
import { errorMessage } from './resource-applier.js';
import { hasFinalizer } from './work-decisions.js';
import { toMetaTime } from './work-status.js';

const { AppliedManifestWork: AMW } = RESOURCES;

/**
 * The spoke's AppliedManifestWork of each work: the owner of everything applied and the record of it. Creates it
 * with our finalizer, keeps its labels equal to the work's, records and removes applied resources (OCM's
 * deleteOption rules are in `AppliedResourceRemover`), marks eviction, and deletes it once its resources are gone.
 */
@Injectable()
export class AppliedWorkService {
  constructor(
    private readonly hub: HubClient,
    private readonly spoke: SpokeClient,
    private readonly remover: AppliedResourceRemover,
    @InjectPinoLogger(AppliedWorkService.name) private readonly logger: PinoLogger,
  ) {}

  /** The AppliedManifestWork for `work`: created with our finalizer, labels kept equal to the work's. */
  async ensure(work: ManifestWork, cached: AppliedManifestWork | undefined): Promise<AppliedManifestWork> {
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
      current = await this.patchStatus(current, { status: { evictionStartTime: null } });
    }
    return current;
  }

  /**
   * Records what an apply pass applied and deletes what the work no longer lists (`dropped`, from
   * `planAppliedResources`); resources still terminating or failing stay in the record. Returns a reason to come
   * back soon when a deletion is still pending or failed.
   */
  async record(
    appliedWork: AppliedManifestWork,
    next: readonly AppliedResource[],
    dropped: readonly AppliedResource[],
    workName: string,
  ): Promise<string | undefined> {
    const previous = appliedWork.status?.appliedResources ?? [];
    const { kept, reason } = await this.removeResources(dropped, appliedWork, workName);
    const recorded = [...next, ...kept].toSorted((a, b) => (appliedResourceKey(a) < appliedResourceKey(b) ? -1 : 1));
    if (!sameAppliedResources(previous, recorded)) await this.patchAppliedResources(appliedWork, recorded);
    return reason;
  }

  /** Removes every recorded resource, then the AppliedManifestWork itself; false while something is pending. */
  async delete(applied: AppliedManifestWork): Promise<boolean> {
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

  /** Marks when the eviction of an AppliedManifestWork whose work is gone from the hub started. */
  async startEviction(applied: AppliedManifestWork, now: Date): Promise<void> {
    await this.patchStatus(applied, { status: { evictionStartTime: toMetaTime(now) } });
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

  private async patchAppliedResources(
    applied: AppliedManifestWork,
    appliedResources: AppliedResource[],
  ): Promise<void> {
    await this.patchStatus(applied, { status: { appliedResources } });
  }

  /** A merge patch of an AppliedManifestWork's status on the spoke (only this agent writes it). */
  private async patchStatus(applied: AppliedManifestWork, body: unknown): Promise<AppliedManifestWork> {
    return this.spoke.resource<AppliedManifestWork>(AMW).mergePatchStatus(applied.metadata.name ?? '', body);
  }
}
