import { Injectable } from '@nestjs/common';
import type { AppliedManifestWork, ManifestWork } from '@kmm-hub/api';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient } from '../clusters/cluster-clients.js';
import { appliedWorkOwnerReference } from './applied-object.js';
import { appliedResourceKey, planAppliedResources } from './applied-resources.js';
import { AppliedWorkService } from './applied-work.service.js';
import { findManifestOptions, isOwnedByWork } from './manifest-options.js';
import { orderManifests } from './order-manifests.js';
import { ResourceApplier, type Baseline } from './resource-applier.js';
import {
  appliedResourcesOf,
  incompleteMeta,
  resourceMetaOf,
  workLabelsKey,
  type AppliedManifest,
  type WorkMemory,
} from './work-decisions.js';

/**
 * One apply pass of a work: its AppliedManifestWork ensured, every manifest applied in kind order with its update
 * strategy (`ResourceApplier`), then the applied resources recorded and the ones the work no longer lists removed.
 */
@Injectable()
export class WorkApplier {
  constructor(
    private readonly hub: HubClient,
    private readonly applier: ResourceApplier,
    private readonly appliedWorks: AppliedWorkService,
    @InjectPinoLogger(WorkApplier.name) private readonly logger: PinoLogger,
  ) {}

  /** Applies `work`; `nextApplyAt` is when the next pass (drift correction) is due. */
  async apply(
    work: ManifestWork,
    cached: AppliedManifestWork | undefined,
    memory: WorkMemory | undefined,
    now: Date,
    nextApplyAt: number,
  ): Promise<WorkMemory> {
    const name = work.metadata.name ?? '';
    const appliedWork = await this.appliedWorks.ensure(work, cached);
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

    const { applied, listed } = appliedResourcesOf(results);
    const previous = appliedWork.status?.appliedResources ?? [];
    const plan = planAppliedResources({ previous, applied, listed, complete });
    const pending = await this.appliedWorks.record(appliedWork, plan.next, plan.dropped, name);
    if (pending !== undefined) retryReason ??= pending;
    return {
      generation: work.metadata.generation,
      labelsKey: workLabelsKey(work),
      appliedAt: now.getTime(),
      nextApplyAt,
      manifests: results,
      baselines,
      retryReason,
    };
  }
}
