import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { createKubeConfig, KubeHttp, type KubeClientConfig } from '@kmm-hub/kube';
import type { SpokeConfig } from '../config/config.schema.js';
import { HUB_KUBE_CONFIG, HubClient, SPOKE_KUBE_CONFIG, SpokeClient } from './cluster-clients.js';
import { loadHubKubeConfig, type HubKubeConfigSource } from './load-hub-kube-config.js';
import { ServedKindsCheck } from './served-kinds.check.js';
import { SpokeNodes } from './spoke-nodes.service.js';

function hubSource(config: SpokeConfig): HubKubeConfigSource | undefined {
  if (config.HUB_KUBECONFIG !== undefined) return { kind: 'file', path: config.HUB_KUBECONFIG };
  if (config.HUB_KUBECONFIG_SECRET !== undefined) {
    const [namespace = '', name = ''] = config.HUB_KUBECONFIG_SECRET.split('/');
    return { kind: 'secret', namespace, name };
  }
  return undefined;
}

/** The two API servers the agent talks to, and the spoke's Node cache; global, registered once by the root module. */
@Module({})
export class ClustersModule {
  static register(config: SpokeConfig): DynamicModule {
    const spokeKubeConfig: Provider = {
      provide: SPOKE_KUBE_CONFIG,
      useFactory: () =>
        createKubeConfig(
          config.SPOKE_KUBECONFIG === undefined
            ? { kind: 'in-cluster' }
            : { kind: 'file', path: config.SPOKE_KUBECONFIG },
        ),
    };
    const source = hubSource(config);
    const hub: Provider[] =
      source === undefined
        ? []
        : [
            {
              provide: HUB_KUBE_CONFIG,
              inject: [SPOKE_KUBE_CONFIG],
              useFactory: (spoke: KubeClientConfig) => loadHubKubeConfig(source, new KubeHttp(spoke)),
            },
            HubClient,
          ];
    return {
      module: ClustersModule,
      global: true,
      providers: [spokeKubeConfig, SpokeClient, SpokeNodes, ServedKindsCheck, ...hub],
      exports: [SpokeClient, SpokeNodes, ...(source === undefined ? [] : [HubClient])],
    };
  }
}
