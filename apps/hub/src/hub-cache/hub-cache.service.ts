import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { KubernetesObject, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import {
  LABELS,
  RESOURCES,
  type ManagedCluster,
  type ManagedClusterModule,
  type ManifestWork,
  type PlacementDecision,
} from '@kmm-hub/api';
import type { ResourceVersionOf } from '@kmm-hub/planner';
import { BUILTIN_RESOURCES, Informer, KubeHttp, resourcePath, type InformerLifecycle } from '@kmm-hub/kube';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';

/**
 * The hub's informer caches: every reader (controller, API, health) reads from here, never from the API server per
 * request. ManifestWorks are watched only when they carry our MCM label; Secrets only in the hub namespace.
 */
@Injectable()
export class HubCacheService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HubCacheService.name);
  readonly managedClusterModules: Informer<ManagedClusterModule>;
  readonly managedClusters: Informer<ManagedCluster>;
  readonly manifestWorks: Informer<ManifestWork>;
  readonly placementDecisions: Informer<PlacementDecision>;
  readonly secrets: Informer<V1Secret>;
  readonly configMaps: Informer<V1ConfigMap>;
  private readonly hubNamespace: string;

  constructor(http: KubeHttp, @Inject(HUB_CONFIG) config: HubConfig) {
    this.hubNamespace = config.HUB_NAMESPACE;
    this.watchesInputs = config.HUB_ROLE === 'all' || config.HUB_ROLE === 'controller';
    this.managedClusterModules = this.track(
      'ManagedClusterModule',
      new Informer(http, { path: resourcePath(RESOURCES.ManagedClusterModule) }),
    );
    this.managedClusters = this.track(
      'ManagedCluster',
      new Informer(http, { path: resourcePath(RESOURCES.ManagedCluster) }),
    );
    this.manifestWorks = this.track(
      'ManifestWork',
      new Informer(http, {
        path: resourcePath(RESOURCES.ManifestWork),
        labelSelector: LABELS.managedClusterModuleName,
      }),
    );
    // For MCMs with a placementRef; all namespaces, since a Placement may live in any.
    this.placementDecisions = this.track(
      'PlacementDecision',
      // Optional: a hub without OCM's placement CRDs still works for MCMs that select by labels only.
      new Informer(http, { path: resourcePath(RESOURCES.PlacementDecision), optional: { retryMs: 60_000 } }),
    );
    this.secrets = this.track(
      'Secret',
      new Informer(http, { path: resourcePath(BUILTIN_RESOURCES.Secret, { namespace: config.HUB_NAMESPACE }) }),
    );
    // Dockerfiles: their resourceVersion is part of a build's identity, so an edit triggers a rebuild.
    this.configMaps = this.track(
      'ConfigMap',
      new Informer(http, { path: resourcePath(BUILTIN_RESOURCES.ConfigMap, { namespace: config.HUB_NAMESPACE }) }),
    );
  }

  /** The cached resourceVersion of a build or sign input (a Secret or ConfigMap of the hub namespace). */
  readonly inputResourceVersion: ResourceVersionOf = (kind, name) =>
    (kind === 'Secret' ? this.secrets : this.configMaps).get(name, this.hubNamespace)?.metadata?.resourceVersion;

  private readonly kinds = new Map<Informer<KubernetesObject>, string>();
  private readonly notServed = new Set<string>();

  private track<T extends KubernetesObject>(kind: string, informer: Informer<T>): Informer<T> {
    this.kinds.set(informer as unknown as Informer<KubernetesObject>, kind);
    informer.onLifecycle((ev: InformerLifecycle) => {
      switch (ev.type) {
        case 'error':
          this.logger.warn(
            { kind, phase: ev.phase, retryInMs: ev.retryInMs, err: String(ev.error) },
            'watch failed, retrying',
          );
          break;
        case 'notServed':
          if (!this.notServed.has(kind)) {
            this.notServed.add(kind);
            this.logger.warn(
              { kind, retryInMs: ev.retryInMs },
              `the hub API server does not serve ${kind}s: MCMs with a placementRef select nothing until its CRD is installed`,
            );
          }
          break;
        case 'gone':
          this.logger.log({ kind, resourceVersion: ev.resourceVersion }, 'watch expired, re-listing');
          break;
        case 'listed':
          this.logger.debug({ kind, count: ev.count, resourceVersion: ev.resourceVersion }, 'listed');
          break;
        default:
          break;
      }
    });
    return informer;
  }

  /** The api role reads fleet state only: it has no RBAC for the hub namespace's Secrets and ConfigMaps. */
  private readonly watchesInputs: boolean;

  private get all(): Informer<KubernetesObject>[] {
    const inputs = this.watchesInputs ? [this.secrets, this.configMaps] : [];
    return [
      this.managedClusterModules,
      this.managedClusters,
      this.manifestWorks,
      this.placementDecisions,
      ...inputs,
    ] as Informer<KubernetesObject>[];
  }

  onApplicationBootstrap(): void {
    for (const i of this.all) i.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }

  /** Per kind this process watches (the api role does not watch hub Secrets and ConfigMaps): synced yet? */
  syncState(): Record<string, boolean> {
    return Object.fromEntries(this.all.map((i) => [this.kinds.get(i) ?? 'unknown', i.hasSynced()]));
  }

  hasSynced(): boolean {
    return this.all.every((i) => i.hasSynced());
  }

  async synced(): Promise<void> {
    await Promise.all(this.all.map((i) => i.synced));
  }

  manifestWork(mcm: string, cluster: string): ManifestWork | undefined {
    const mw = this.manifestWorks.get(mcm, cluster);
    return mw?.metadata.labels?.[LABELS.managedClusterModuleName] === mcm ? mw : undefined;
  }

  /** Our ManifestWorks of one MCM, by cluster. */
  manifestWorksOf(mcm: string): Map<string, ManifestWork> {
    return new Map(
      this.manifestWorks
        .list()
        .filter((mw) => mw.metadata.labels?.[LABELS.managedClusterModuleName] === mcm && mw.metadata.name === mcm)
        .map((mw) => [mw.metadata.namespace ?? '', mw]),
    );
  }
}
