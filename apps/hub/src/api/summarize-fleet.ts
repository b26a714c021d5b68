// Pure: what the API and the web page show, computed from the informer caches (ManagedClusterModules with the
// status the controller wrote, ManagedClusters, our ManifestWorks). Cluster selection is recomputed with the
// controller's own selector code, so a cluster the controller has not planned yet shows up as Pending, exactly as
// the controller will report it.
import {
  CLUSTER_CLAIMS,
  CLUSTER_DELIVERY_STATES,
  LABELS,
  type ClusterDeliveryStatus,
  type KernelImageState,
  type ManagedCluster,
  type ManagedClusterModule,
  type ManifestWork,
  type PlacementDecision,
} from '@kmm-hub/api';
import { parseKernelClaim } from '@kmm-hub/kernel';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';
import { CLUSTER_DELIVERY_REASONS, selectClusters } from '@kmm-hub/planner';
import type {
  ClusterDetail,
  ClusterSummary,
  FleetView,
  KernelImageView,
  MatrixCell,
  ModuleDetail,
  ModuleOnCluster,
  ModuleOverview,
  ModuleState,
  ModuleSummary,
} from './dto/fleet.dto.js';

export interface FleetSnapshot {
  modules: readonly ManagedClusterModule[];
  clusters: readonly ManagedCluster[];
  /** Our ManifestWorks (labelled with the MCM name), any namespace. */
  manifestWorks: readonly ManifestWork[];
  /** OCM PlacementDecisions, for modules selecting through a placementRef. */
  placementDecisions?: readonly PlacementDecision[];
}

/** Everything the API answers, computed once per change of the caches. */
export interface FleetModel {
  modules: Map<string, ModuleDetail>;
  clusters: Map<string, ClusterDetail>;
  /** Per module: its clusters by state, kernels and images (the fleet page's summary). */
  overview: ModuleOverview[];
  /** One cell per (module, selected cluster), by module then cluster: what the event stream diffs. */
  matrix: { clusters: string[]; modules: string[]; cells: MatrixCell[] };
  totals: Omit<FleetView['totals'], 'builds'>;
  /** Per module, the `image kernel` pairs its status references (to find its builds). */
  imagesByModule: Map<string, Set<string>>;
}

const AVAILABLE_CONDITION = 'ManagedClusterConditionAvailable';
/** Worst first: an image shown by several clusters takes its worst state. */
const IMAGE_STATE_RANK: Readonly<Record<KernelImageState, number>> = {
  Failed: 0,
  Missing: 1,
  Building: 2,
  Signing: 3,
  Checking: 4,
  Pending: 5,
  Ready: 6,
  Unmapped: 7,
};

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function imageKey(image: string, kernel: string): string {
  return `${image} ${kernel}`;
}

export function summarizeFleet(snapshot: FleetSnapshot): FleetModel {
  const works = new Map<string, ManifestWork>();
  for (const mw of snapshot.manifestWorks) {
    const mcm = mw.metadata.labels?.[LABELS.managedClusterModuleName];
    if (mcm !== undefined && mw.metadata.name === mcm) works.set(`${mcm}/${mw.metadata.namespace ?? ''}`, mw);
  }
  const modules = new Map<string, ModuleDetail>();
  const imagesByModule = new Map<string, Set<string>>();
  const images = new Map<string, KernelImageState>();
  const cells: MatrixCell[] = [];
  const overview: ModuleOverview[] = [];
  const onCluster = new Map<string, ClusterDetail['placements']>();

  for (const mcm of [...snapshot.modules].toSorted((a, b) => byName(a.metadata.name ?? '', b.metadata.name ?? ''))) {
    const name = mcm.metadata.name ?? '';
    const detail = describeModule(mcm, snapshot.clusters, works, snapshot.placementDecisions ?? []);
    modules.set(name, detail);
    const refs = new Set<string>();
    const moduleImages = new Map<string, KernelImageState>();
    const moduleKernels = new Set<string>();
    for (const p of detail.placement) {
      cells.push({ module: name, cluster: p.cluster, state: p.state });
      const { cluster, ...rest } = p;
      const list = onCluster.get(cluster) ?? [];
      list.push({ module: name, ...rest });
      onCluster.set(cluster, list);
      for (const k of p.kernels) {
        if (k.image === undefined) continue;
        const key = imageKey(k.image, k.kernel);
        refs.add(key);
        keepWorst(images, key, k.state);
        keepWorst(moduleImages, key, k.state);
      }
      for (const k of p.kernels) moduleKernels.add(k.kernel);
    }
    imagesByModule.set(name, refs);
    overview.push({
      name,
      state: detail.state,
      clusters: { selected: detail.placement.length, byState: countBy(detail.placement.map((p) => p.state)) },
      kernels: { total: moduleKernels.size },
      images: { total: moduleImages.size, byState: countBy([...moduleImages.values()]) },
    });
  }

  const clusters = new Map<string, ClusterDetail>();
  const kernels = new Set<string>();
  for (const c of [...snapshot.clusters].toSorted((a, b) => byName(a.metadata.name ?? '', b.metadata.name ?? ''))) {
    const name = c.metadata.name ?? '';
    const detail = describeCluster(c, onCluster.get(name) ?? []);
    for (const k of detail.kernels) kernels.add(k.kernel);
    clusters.set(name, detail);
  }

  return {
    modules,
    clusters,
    imagesByModule,
    overview,
    matrix: { clusters: [...clusters.keys()], modules: [...modules.keys()], cells },
    totals: {
      clusters: { total: clusters.size, byAvailability: countBy([...clusters.values()].map((c) => c.available)) },
      modules: { total: modules.size, byState: countBy([...modules.values()].map((m) => m.state)) },
      kernels: { total: kernels.size },
      images: { total: images.size, byState: countBy([...images.values()]) },
    },
  };
}

function describeModule(
  mcm: ManagedClusterModule,
  clusters: readonly ManagedCluster[],
  works: ReadonlyMap<string, ManifestWork>,
  placementDecisions: readonly PlacementDecision[],
): ModuleDetail {
  const name = mcm.metadata.name ?? '';
  const conditions = mcm.status?.conditions ?? [];
  const invalid = conditions.some((c) => c.type === 'Valid' && c.status === 'False');
  const selection = selectClusters(mcm, clusters, placementDecisions);
  const reported = new Map((mcm.status?.clusters ?? []).map((c) => [c.name, c]));
  // While the MCM is deleted its status lists the clusters still being cleaned up (reason Deleting): those are
  // where it still is, whatever the selectors say now.
  const placement: ModuleOnCluster[] = mcm.metadata.deletionTimestamp
    ? (mcm.status?.clusters ?? []).map((c) => describePlacement(c.name, c, works.get(`${name}/${c.name}`), false))
    : selection.ok
      ? selection.selection.selected.map((c) => {
          const cluster = c.metadata.name ?? '';
          return describePlacement(
            cluster,
            reported.get(cluster),
            works.get(`${name}/${cluster}`),
            (mcm.status?.clustersOmitted ?? 0) > 0,
          );
        })
      : [];
  const count = (state: string) => placement.filter((p) => p.state === state).length;
  return {
    name,
    spokeNamespace: mcm.spec?.spokeNamespace ?? '',
    state: moduleState(invalid || !selection.ok, placement),
    clusters: {
      selected: placement.length,
      ready: count(CLUSTER_DELIVERY_STATES.Ready),
      degraded: count(CLUSTER_DELIVERY_STATES.Degraded),
    },
    conditions: conditions.map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: c.lastTransitionTime,
    })),
    ...(!selection.ok && { selectionError: selection.reason }),
    placement,
  };
}

/**
 * A selected cluster the MCM status does not list: not planned yet, or left out of a very large status (Ready ones
 * go first, then the rest, so at 10,000 clusters most clusters still waiting for their work agent are left out
 * too), in which case its ManifestWork tells where it is: written and applied, written and waiting, or refused.
 */
function unlistedState(
  decoded: ReturnType<typeof decodeManifestWorkStatus> | undefined,
  statusOmitsClusters: boolean,
): ClusterDeliveryStatus['state'] {
  if (!statusOmitsClusters || decoded === undefined) return CLUSTER_DELIVERY_STATES.Pending;
  if (decoded.degraded || decoded.reported.applied === false) return CLUSTER_DELIVERY_STATES.Degraded;
  if (decoded.applied && decoded.available) return CLUSTER_DELIVERY_STATES.Ready;
  return CLUSTER_DELIVERY_STATES.Progressing;
}

function describePlacement(
  cluster: string,
  status: ClusterDeliveryStatus | undefined,
  mw: ManifestWork | undefined,
  statusOmitsClusters: boolean,
): ModuleOnCluster {
  const decoded = mw ? decodeManifestWorkStatus(mw) : undefined;
  const kernels: KernelImageView[] = (status?.kernels ?? []).map((k) => ({
    kernel: k.kernel,
    state: k.state,
    ...(k.image !== undefined && { image: k.image }),
    ...(k.digest !== undefined && { digest: k.digest }),
    ...(k.lastError !== undefined && { lastError: k.lastError }),
    ...(k.attempts !== undefined && { attempts: k.attempts }),
    ...(k.message !== undefined && { message: k.message }),
  }));
  const counts = (w: 'moduleLoader' | 'devicePlugin') => {
    const c = decoded?.feedback[w] ?? {};
    return {
      ...(c.desired !== undefined && { desired: c.desired }),
      ...(c.available !== undefined && { available: c.available }),
      ...(c.nodesMatching !== undefined && { nodesMatching: c.nodesMatching }),
    };
  };
  return {
    cluster,
    state: status?.state ?? unlistedState(decoded, statusOmitsClusters),
    ...(status === undefined
      ? { reason: statusOmitsClusters ? 'OmittedFromStatus' : CLUSTER_DELIVERY_REASONS.NotPlannedYet }
      : {
          ...(status.reason !== undefined && { reason: status.reason }),
          ...(status.message !== undefined && { message: status.message }),
        }),
    manifestWork: decoded
      ? {
          applied: decoded.applied,
          available: decoded.available,
          degraded: decoded.degraded,
          stale: decoded.stale,
          problems: [...decoded.problems],
        }
      : null,
    loader: counts('moduleLoader'),
    devicePlugin: counts('devicePlugin'),
    kernels,
  };
}

export function moduleState(invalid: boolean, placement: readonly Pick<ModuleOnCluster, 'state'>[]): ModuleState {
  if (invalid) return 'Invalid';
  if (placement.length === 0) return 'Idle';
  const states = new Set(placement.map((p) => p.state));
  if (states.has('Degraded')) return 'Degraded';
  if (states.size === 1 && states.has('Ready')) return 'Ready';
  if ([...states].every((s) => s === 'Pending')) return 'Pending';
  return 'Progressing';
}

function describeCluster(c: ManagedCluster, placements: ClusterDetail['placements']): ClusterDetail {
  const conditions = c.status?.conditions ?? [];
  const available = conditions.find((x) => x.type === AVAILABLE_CONDITION)?.status ?? 'Unknown';
  const claim = c.status?.clusterClaims?.find((x) => x.name === CLUSTER_CLAIMS.kernelVersions);
  return {
    name: c.metadata.name ?? '',
    labels: { ...c.metadata.labels },
    available,
    kernelsReported: claim !== undefined,
    // The kernel claim lists kernels without node counts; `nodes` stays unset until a claim reports them.
    kernels: claim !== undefined ? parseKernelClaim(claim.value ?? '').map((kernel) => ({ kernel })) : [],
    modules: placements.map((p) => ({ module: p.module, state: p.state })),
    conditions: conditions.map((x) => ({
      type: x.type,
      status: x.status,
      reason: x.reason,
      message: x.message,
      ...(x.lastTransitionTime !== undefined && { lastTransitionTime: x.lastTransitionTime }),
    })),
    placements,
  };
}

export function toModuleSummary(m: ModuleDetail): ModuleSummary {
  return { name: m.name, spokeNamespace: m.spokeNamespace, state: m.state, clusters: m.clusters };
}

export function toClusterSummary(c: ClusterDetail): ClusterSummary {
  return {
    name: c.name,
    labels: c.labels,
    available: c.available,
    kernelsReported: c.kernelsReported,
    kernels: c.kernels,
    modules: c.modules,
  };
}

/** Cells whose state differs between two matrices; a cell that vanished has state null. */
export function diffCells(
  before: readonly MatrixCell[],
  after: readonly MatrixCell[],
): { module: string; cluster: string; state: MatrixCell['state'] | null }[] {
  const key = cellKey;
  const old = new Map(before.map((c) => [key(c), c.state]));
  const changes: { module: string; cluster: string; state: MatrixCell['state'] | null }[] = [];
  const seen = new Set<string>();
  for (const c of after) {
    seen.add(key(c));
    if (old.get(key(c)) !== c.state) changes.push({ module: c.module, cluster: c.cluster, state: c.state });
  }
  for (const c of before) if (!seen.has(key(c))) changes.push({ module: c.module, cluster: c.cluster, state: null });
  return changes;
}

function cellKey(c: Pick<MatrixCell, 'module' | 'cluster'>): string {
  return `${c.module}/${c.cluster}`;
}

/** An image shown by several clusters takes its worst state. */
function keepWorst(states: Map<string, KernelImageState>, key: string, state: KernelImageState): void {
  const known = states.get(key);
  if (known === undefined || IMAGE_STATE_RANK[state] < IMAGE_STATE_RANK[known]) states.set(key, state);
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
