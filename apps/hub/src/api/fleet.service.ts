// The fleet as the API answers it, from the informer caches only: the model is recomputed at most once per change
// of the caches (informer events only mark it stale), so a request costs a map lookup and serialisation.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { HubMetrics } from '../metrics/metrics.js';
import { InvalidCursorError, ResourceNotFoundError } from './api-errors.js';
import type { ClusterDetail, ClusterOrder, ClusterSummary, ModuleDetail, ModuleSummary } from './dto/fleet.dto.js';
import { clusterSortKey, filterClusters, isSortKeyOf, type ClusterFilter } from './list-clusters.js';
import { decodeCursor, paginate, type Page } from './paginate.js';
import { summarizeFleet, toClusterSummary, toModuleSummary, type FleetModel } from './summarize-fleet.js';

@Injectable()
export class FleetService implements OnApplicationBootstrap {
  #model: FleetModel | undefined;
  readonly #listeners: (() => void)[] = [];

  constructor(
    private readonly caches: HubCacheService,
    private readonly metrics: HubMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const changed = () => {
      this.#model = undefined;
      for (const l of this.#listeners) l();
    };
    for (const ev of ['add', 'update', 'delete'] as const) {
      this.caches.managedClusterModules.on(ev, changed);
      this.caches.managedClusters.on(ev, changed);
      this.caches.manifestWorks.on(ev, changed);
      this.caches.placementDecisions.on(ev, changed);
    }
    this.metrics.setSource('clusters', () => this.model().totals.clusters.byAvailability);
    this.metrics.setSource('modules', () => this.model().totals.modules.byState);
    this.metrics.setSource('images', () => this.model().totals.images.byState);
    this.metrics.setDegradedClustersSource(
      () => new Map([...this.model().modules.values()].map((m) => [m.name, m.clusters.degraded])),
    );
  }

  /** Called (synchronously, possibly often) whenever a cached object changes. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  get synced(): boolean {
    return this.caches.hasSynced();
  }

  model(): FleetModel {
    this.#model ??= summarizeFleet({
      modules: this.caches.managedClusterModules.list(),
      clusters: this.caches.managedClusters.list(),
      manifestWorks: this.caches.manifestWorks.list(),
      placementDecisions: this.caches.placementDecisions.list(),
    });
    return this.#model;
  }

  modules(limit: number, cursor?: string): Page<ModuleSummary> {
    const page = paginate([...this.model().modules.values()], (m) => m.name, limit, cursor);
    return { ...page, items: page.items.map(toModuleSummary) };
  }

  module(name: string): ModuleDetail {
    const m = this.model().modules.get(name);
    if (!m) throw new ResourceNotFoundError('ManagedClusterModule', name);
    return m;
  }

  /** One page of the clusters matching `filter`, in `order`, and how many match in all. */
  clusters(
    limit: number,
    cursor?: string,
    filter: ClusterFilter = {},
    order: ClusterOrder = 'name',
  ): Page<ClusterSummary> & { total: number } {
    if (cursor !== undefined && !isSortKeyOf(order, decodeCursor(cursor))) throw new InvalidCursorError();
    const matching = filterClusters(this.model().clusters.values(), filter);
    const page = paginate(matching, (c) => clusterSortKey(order, c), limit, cursor);
    return { ...page, items: page.items.map(toClusterSummary), total: matching.length };
  }

  cluster(name: string): ClusterDetail {
    const c = this.model().clusters.get(name);
    if (!c) throw new ResourceNotFoundError('ManagedCluster', name);
    return c;
  }

  /** `image kernel` pairs a module's status references. */
  imagesOf(module: string): ReadonlySet<string> | undefined {
    return this.model().imagesByModule.get(module);
  }
}
