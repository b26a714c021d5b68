import { Global, Module } from '@nestjs/common';
import { FIELD_MANAGERS } from '@kmm-hub/api';
import { createKubeConfig, KubeHttp, ServerSideApplier, type KubeClientConfig } from '@kmm-hub/kube';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';

/** KubeConfig of the hub cluster: HUB_KUBECONFIG when set, else in-cluster credentials. */
export const HUB_KUBE_CONFIG = Symbol('HUB_KUBE_CONFIG');

/** The one connection to the hub API server that every feature module shares. */
@Global()
@Module({
  providers: [
    {
      provide: HUB_KUBE_CONFIG,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) =>
        createKubeConfig(
          config.HUB_KUBECONFIG ? { kind: 'file', path: config.HUB_KUBECONFIG } : { kind: 'in-cluster' },
        ),
    },
    {
      provide: ServerSideApplier,
      inject: [HUB_KUBE_CONFIG],
      useFactory: (kc: KubeClientConfig) => new ServerSideApplier(kc, FIELD_MANAGERS.hub),
    },
    // The applier's own connection: one request wrapper per process for the hub API server.
    { provide: KubeHttp, inject: [ServerSideApplier], useFactory: (applier: ServerSideApplier) => applier.http },
  ],
  exports: [HUB_KUBE_CONFIG, KubeHttp, ServerSideApplier],
})
export class HubKubeModule {}
