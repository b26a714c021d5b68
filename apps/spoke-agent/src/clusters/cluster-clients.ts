import { Inject, Injectable } from '@nestjs/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  KubeHttp,
  ResourceClient,
  ServerSideApplier,
  type KubeClientConfig,
  type ResourceDescriptor,
} from '@kmm-hub/kube';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { hubHashOf } from './hub-hash.js';

export const SPOKE_KUBE_CONFIG = Symbol('SPOKE_KUBE_CONFIG');
export const HUB_KUBE_CONFIG = Symbol('HUB_KUBE_CONFIG');

/** Field manager of everything the agent itself server-side applies on the spoke (DaemonSets, ClusterClaims). */
export const SPOKE_FIELD_MANAGER = 'kmm-spoke-agent';

/** The spoke API server: raw requests, discovery, and server-side apply under any field manager. */
@Injectable()
export class SpokeClient {
  readonly applier: ServerSideApplier;
  readonly http: KubeHttp;
  private readonly appliers = new Map<string, ServerSideApplier>();

  constructor(@Inject(SPOKE_KUBE_CONFIG) kc: KubeClientConfig) {
    this.applier = new ServerSideApplier(kc, SPOKE_FIELD_MANAGER);
    this.http = this.applier.http;
    this.appliers.set(SPOKE_FIELD_MANAGER, this.applier);
  }

  get paths() {
    return this.applier.paths;
  }

  /** Typed calls on one kind of the spoke. */
  resource<T extends KubernetesObject>(kind: ResourceDescriptor): ResourceClient<T> {
    return new ResourceClient<T>(this.http, kind);
  }

  /** An applier for a ManifestWork's `serverSideApply.fieldManager`; there are only as many as distinct managers. */
  applierFor(fieldManager: string): ServerSideApplier {
    let applier = this.appliers.get(fieldManager);
    if (applier === undefined) {
      applier = this.applier.forFieldManager(fieldManager);
      this.appliers.set(fieldManager, applier);
    }
    return applier;
  }
}

/** The hub API server and who we are to it: the cluster name and OCM's hub hash and agent id. */
@Injectable()
export class HubClient {
  readonly http: KubeHttp;
  readonly server: string;
  readonly hubHash: string;
  readonly agentId: string;
  readonly clusterName: string;

  constructor(@Inject(HUB_KUBE_CONFIG) kc: KubeClientConfig, @Inject(SPOKE_CONFIG) config: SpokeConfig) {
    const server = kc.server;
    this.http = new KubeHttp(kc);
    this.server = server;
    this.hubHash = hubHashOf(server);
    this.agentId = config.AGENT_ID ?? this.hubHash;
    this.clusterName = config.CLUSTER_NAME ?? '';
  }

  /** Typed calls on one kind of the hub. */
  resource<T extends KubernetesObject>(kind: ResourceDescriptor): ResourceClient<T> {
    return new ResourceClient<T>(this.http, kind);
  }
}
