import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS, RESOURCES, type Module } from '@kmm-hub/api';
import { BUILTIN_RESOURCES, Informer, resourcePath } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { logInformerLifecycle } from '../clusters/log-informer-lifecycle.js';

const { Module: M } = RESOURCES;

/** Modules in every namespace, and the DaemonSets and pods that carry a Module label. */
@Injectable()
export class ModuleCaches implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly modules: Informer<Module>;
  readonly daemonSets: Informer<V1DaemonSet>;
  /** The pods of those DaemonSets: their Ready state on a node drives the node's per-Module labels. */
  readonly pods: Informer<V1Pod>;

  constructor(spoke: SpokeClient, @InjectPinoLogger(ModuleCaches.name) logger: PinoLogger) {
    this.modules = new Informer<Module>(spoke.http, { path: resourcePath(M) });
    this.modules.onLifecycle(logInformerLifecycle(logger, 'spoke', M.kind));
    this.daemonSets = new Informer<V1DaemonSet>(spoke.http, {
      path: resourcePath(BUILTIN_RESOURCES.DaemonSet),
      labelSelector: LABELS.moduleName,
    });
    this.daemonSets.onLifecycle(logInformerLifecycle(logger, 'spoke', 'DaemonSet'));
    this.pods = new Informer<V1Pod>(spoke.http, { path: '/api/v1/pods', labelSelector: LABELS.moduleName });
    this.pods.onLifecycle(logInformerLifecycle(logger, 'spoke', 'Pod'));
  }

  /** The DaemonSets this agent made for a Module (its label and our spec-hash annotation). */
  daemonSetsOf(namespace: string, name: string): V1DaemonSet[] {
    return this.daemonSets
      .list(namespace)
      .filter(
        (ds) =>
          ds.metadata?.labels?.[LABELS.moduleName] === name &&
          ds.metadata.annotations?.[ANNOTATIONS.specHash] !== undefined,
      );
  }

  hasSynced(): boolean {
    return this.modules.hasSynced() && this.daemonSets.hasSynced();
  }

  onApplicationBootstrap(): void {
    this.modules.start();
    this.daemonSets.start();
    this.pods.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.modules.stop(), this.daemonSets.stop(), this.pods.stop()]);
  }
}
