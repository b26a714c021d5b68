import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, Informer, resourcePath } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from './cluster-clients.js';
import { logInformerLifecycle } from './log-informer-lifecycle.js';

/** One cache of the spoke's Nodes, shared by the kernel claim and the Module reconciler. */
@Injectable()
export class SpokeNodes implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly informer: Informer<V1Node>;

  constructor(spoke: SpokeClient, @InjectPinoLogger(SpokeNodes.name) logger: PinoLogger) {
    this.informer = new Informer<V1Node>(spoke.http, { path: resourcePath(BUILTIN_RESOURCES.Node) });
    this.informer.onLifecycle(logInformerLifecycle(logger, 'spoke', 'Node'));
  }

  list(): V1Node[] {
    return this.informer.list();
  }

  onApplicationBootstrap(): void {
    this.informer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.informer.stop();
  }
}
