import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RESOURCES, type ClusterClaim } from '@kmm-hub/api';
import { Informer, resourcePath } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { logInformerLifecycle } from '../clusters/log-informer-lifecycle.js';

const { ClusterClaim: CC } = RESOURCES;

/** The spoke's ClusterClaims: ours (the kernel claim heals itself from events) and, standalone, all to mirror. */
@Injectable()
export class ClusterClaims implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly informer: Informer<ClusterClaim>;

  constructor(spoke: SpokeClient, @InjectPinoLogger(ClusterClaims.name) logger: PinoLogger) {
    this.informer = new Informer<ClusterClaim>(spoke.http, { path: resourcePath(CC) });
    this.informer.onLifecycle(logInformerLifecycle(logger, 'spoke', CC.kind));
  }

  get(name: string): ClusterClaim | undefined {
    return this.informer.get(name);
  }

  list(): ClusterClaim[] {
    return this.informer.list();
  }

  onApplicationBootstrap(): void {
    this.informer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.informer.stop();
  }
}
