import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RESOURCES, type AppliedManifestWork, type ManifestWork } from '@kmm-hub/api';
import { Informer, resourcePath } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient, SpokeClient } from '../clusters/cluster-clients.js';
import { logInformerLifecycle } from '../clusters/log-informer-lifecycle.js';
import { appliedWorkName } from './manifest-work.mapper.js';

const { ManifestWork: MW, AppliedManifestWork: AMW } = RESOURCES;

/**
 * The work agent's caches: this cluster's ManifestWorks on the hub (its namespace only, as OCM scopes it) and the
 * AppliedManifestWorks on the spoke. While the hub is unreachable the cache keeps the last works it saw.
 */
@Injectable()
export class WorkCaches implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly works: Informer<ManifestWork>;
  readonly appliedWorks: Informer<AppliedManifestWork>;

  constructor(
    private readonly hub: HubClient,
    spoke: SpokeClient,
    @InjectPinoLogger(WorkCaches.name) logger: PinoLogger,
  ) {
    this.works = new Informer<ManifestWork>(hub.http, {
      path: resourcePath(MW, { namespace: hub.clusterName }),
    }).onLifecycle(logInformerLifecycle(logger, 'hub', MW.kind));
    this.appliedWorks = new Informer<AppliedManifestWork>(spoke.http, {
      path: resourcePath(AMW),
    }).onLifecycle(logInformerLifecycle(logger, 'spoke', AMW.kind));
  }

  work(name: string): ManifestWork | undefined {
    return this.works.get(name, this.hub.clusterName);
  }

  appliedWork(workName: string): AppliedManifestWork | undefined {
    return this.appliedWorks.get(appliedWorkName(this.hub.hubHash, workName));
  }

  hasSynced(): boolean {
    return this.works.hasSynced() && this.appliedWorks.hasSynced();
  }

  onApplicationBootstrap(): void {
    this.works.start();
    this.appliedWorks.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.works.stop(), this.appliedWorks.stop()]);
  }
}
