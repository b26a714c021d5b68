import { Injectable } from '@nestjs/common';
import { RESOURCES, type ManifestWork } from '@kmm-hub/api';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient } from '../clusters/cluster-clients.js';
import { errorMessage, ResourceApplier } from './resource-applier.js';
import { collectStatusFeedback } from './status-feedback.js';
import type { AppliedManifest } from './work-decisions.js';
import { WORK_REASON } from './work-conditions.js';
import {
  buildWorkStatus,
  isSameStatus,
  toMetaTime,
  withDeletingCondition,
  type ManifestReport,
} from './work-status.js';

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

/**
 * Reports a work's status to the hub: per manifest Applied (from the apply pass), Available and status feedback
 * (from the live object), and the work's Applied/Available; written only when it changed, as OCM writes it.
 */
@Injectable()
export class WorkStatusReporter {
  private readonly written = new Map<string, WrittenStatus>();

  constructor(
    private readonly hub: HubClient,
    private readonly applier: ResourceApplier,
    @InjectPinoLogger(WorkStatusReporter.name) private readonly logger: PinoLogger,
  ) {}

  /** Fetches every applied object: Available and status feedback. Writes the work status when it changed. */
  async sync(work: ManifestWork, manifests: readonly AppliedManifest[], now: Date): Promise<ManifestWork> {
    const reports: ManifestReport[] = [];
    for (const m of manifests) reports.push(await this.report(m));
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
    const updated = await this.write(current, status);
    this.written.set(name, {
      cachedVersion: stale ? written.cachedVersion : work.metadata.resourceVersion,
      resourceVersion: updated.metadata.resourceVersion,
      status: updated.status,
    });
    return updated;
  }

  /** Deleting=True on a work being deleted (written once); returns the work as it is now. */
  async markDeleting(work: ManifestWork, now: Date): Promise<ManifestWork> {
    const status = withDeletingCondition(work.status, work.metadata.generation, toMetaTime(now));
    return isSameStatus(work.status, status) ? work : this.write(work, status);
  }

  forget(name: string): void {
    this.written.delete(name);
  }

  private async report(m: AppliedManifest): Promise<ManifestReport> {
    const hasFeedbackRules = (m.feedbackRules?.length ?? 0) > 0;
    if (m.target === undefined) {
      return {
        meta: m.meta,
        applied: m.applied,
        available: {
          status: 'Unknown',
          reason: WORK_REASON.IncompleteResourceMeta,
          message: 'Resource meta is incomplete',
        },
        hasFeedbackRules,
      };
    }
    try {
      const live = await this.applier.get(m.target);
      return {
        meta: m.meta,
        applied: m.applied,
        available: { status: live === undefined ? 'False' : 'True' },
        feedback:
          live === undefined ? { values: [], errors: [] } : collectStatusFeedback(live, m.feedbackRules, m.target),
        hasFeedbackRules,
      };
    } catch (err) {
      return {
        meta: m.meta,
        applied: m.applied,
        available: {
          status: 'Unknown',
          reason: WORK_REASON.FetchingResourceFailed,
          message: `Failed to fetch resource: ${errorMessage(err)}`,
        },
        hasFeedbackRules,
      };
    }
  }

  /** Status as OCM writes it: a merge patch carrying uid and resourceVersion (a stale cache gets 409 and retries). */
  private async write(work: ManifestWork, status: ManifestWork['status']): Promise<ManifestWork> {
    const updated = await this.hub
      .resource<ManifestWork>(RESOURCES.ManifestWork)
      .mergePatchStatus(
        work.metadata.name ?? '',
        { metadata: { uid: work.metadata.uid, resourceVersion: work.metadata.resourceVersion }, status },
        { namespace: work.metadata.namespace ?? this.hub.clusterName },
      );
    this.logger.debug({ cluster: this.hub.clusterName, work: work.metadata.name }, 'wrote ManifestWork status');
    return updated;
  }
}
