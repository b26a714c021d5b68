import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { AppliedManifestWork, ManifestWork } from '@kmm-hub/api';
import { KubeApiError, WorkQueue } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient } from '../clusters/cluster-clients.js';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { errorMessage } from './resource-applier.js';
import { ManifestWorkReconciler } from './manifest-work.reconciler.js';
import { workKeyOfAppliedWork } from './manifest-work.mapper.js';
import { WorkCaches } from './work-caches.service.js';

/**
 * Feeds ManifestWork names into one keyed queue: every hub ManifestWork event and every event of an
 * AppliedManifestWork of this hub and agent. The queue coalesces, runs one reconcile per work at a time, and backs
 * off per work, so an unreachable hub or spoke slows retries without blocking the other works.
 */
@Injectable()
export class WorkAgentService implements BeforeApplicationShutdown {
  private readonly queue: WorkQueue<string>;

  constructor(
    caches: WorkCaches,
    reconciler: ManifestWorkReconciler,
    hub: HubClient,
    @Inject(SPOKE_CONFIG) config: SpokeConfig,
    @InjectPinoLogger(WorkAgentService.name) logger: PinoLogger,
  ) {
    this.queue = new WorkQueue<string>({
      concurrency: config.WORKERS,
      handler: (name) => reconciler.reconcile(name),
      backoff: { baseMs: 250, maxMs: config.MAX_BACKOFF_SECONDS * 1000 },
      onError: (work, err, retryInMs) => {
        const fields = { cluster: hub.clusterName, work, retryInMs, err: errorMessage(err) };
        // A 4xx on our own write is a bug or missing RBAC: a person must act. Everything else clears up by itself.
        if (err instanceof KubeApiError && !err.transient)
          logger.error(fields, 'reconcile failed: the API server rejected a request');
        else logger.warn(fields, 'reconcile failed, retrying');
      },
    });
    const enqueueWork = (work: ManifestWork) => this.queue.add(work.metadata.name ?? '');
    caches.works.on('add', enqueueWork).on('update', enqueueWork).on('delete', enqueueWork);
    const enqueueApplied = (applied: AppliedManifestWork) => {
      const key = workKeyOfAppliedWork(applied, hub);
      if (key !== undefined) this.queue.add(key);
    };
    caches.appliedWorks.on('add', enqueueApplied).on('update', enqueueApplied).on('delete', enqueueApplied);
  }

  /** Keys waiting, running or waiting for a retry. */
  get pending(): number {
    return this.queue.pending;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }
}
