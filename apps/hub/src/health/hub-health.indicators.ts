// The checks behind /healthz and /readyz. Liveness says only that the process serves requests; readiness needs
// Redis, the hub API server and (where this role runs them) synced informers. Leadership is reported, never
// required: a standby controller is ready to take over. Registries whose image checks fail are reported too, never
// required: a user's registry being down must not get the hub restarted (kmm_hub_registry_up shows it as well).
import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { KubeHttp } from '@kmm-hub/kube';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { ImageTrackerService } from '../controller/image-tracker.service.js';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';
import { ImageQueueClient } from '../image-queues/image-queue.client.js';
import { QUEUES } from '../image-queues/jobs.js';

const CHECK_TIMEOUT_MS = 3_000;

@Injectable()
export class HubHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly http: KubeHttp,
    private readonly queues: ImageQueueClient,
    @Optional() private readonly caches?: HubCacheService,
    @Optional() private readonly controller?: ManagedClusterModuleReconciler,
    @Optional() private readonly images?: ImageTrackerService,
  ) {}

  liveness(): HealthIndicatorFunction[] {
    return [() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })];
  }

  readiness(): HealthIndicatorFunction[] {
    return [
      () =>
        this.indicators
          .check('redis')
          // A real round trip through BullMQ's own connection (it queues commands while Redis is away).
          .attempt(async () => ({
            activeBuilds: (await this.queues.queue(QUEUES.build).getJobCounts('active'))['active'],
          }))
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('kubernetes')
          .attempt(async () => ({
            version: (await this.http.json<{ gitVersion?: string }>('GET', '/version')).gitVersion,
          }))
          .withTimeout(CHECK_TIMEOUT_MS),
      ...(this.caches ? [() => this.#informers(this.caches!)] : []),
      ...(this.controller ? [() => this.indicators.check('leader').up({ leader: this.controller!.isLeader })] : []),
      ...(this.images
        ? [() => this.indicators.check('registries').up({ failing: this.images!.failingRegistries() })]
        : []),
    ];
  }

  #informers(caches: HubCacheService) {
    const synced = caches.syncState();
    const session = this.indicators.check('informers');
    return Object.values(synced).every(Boolean) ? session.up({ synced }) : session.down({ synced });
  }
}
