import {
  LABELS,
  type ManagedCluster,
  type ManagedClusterModule,
  type ManifestWork,
  type PlacementDecision,
} from '@kmm-hub/api';
import { canonicalJson } from '@kmm-hub/manifestwork';
import { compileClusterSelector, isDecisionOf } from '@kmm-hub/planner';
import { clusterKey, mcmKey, type ReconcileKey } from './reconcile-keys.js';

// Event → keys. Pure: handlers only map an object to the keys it affects; the queue coalesces them.

/**
 * An MCM change re-plans it when its spec (generation), deletion or finalizers changed. Status-only updates (our
 * own status writes among them) map to nothing: re-planning every cluster after each status write would multiply
 * the work of a fan-out by the number of status writes.
 */
export function keysForManagedClusterModule(mcm: ManagedClusterModule, old?: ManagedClusterModule): ReconcileKey[] {
  if (
    old &&
    old.metadata.generation === mcm.metadata.generation &&
    Boolean(old.metadata.deletionTimestamp) === Boolean(mcm.metadata.deletionTimestamp) &&
    (old.metadata.finalizers ?? []).join() === (mcm.metadata.finalizers ?? []).join()
  ) {
    return [];
  }
  return [mcmKey(mcm.metadata.name ?? '')];
}

/** A ManifestWork we own re-plans its own (MCM, cluster) pair only; others are not ours and map to nothing. */
export function keysForManifestWork(mw: ManifestWork): ReconcileKey[] {
  const mcm = mw.metadata.labels?.[LABELS.managedClusterModuleName];
  const cluster = mw.metadata.namespace;
  return mcm && cluster ? [clusterKey(mcm, cluster)] : [];
}

/**
 * A ManagedCluster change (labels, claims, deletion) affects every MCM that selects it now, or that selected it
 * before (a ManifestWork of that MCM exists in the cluster's namespace and must go). Each such pair is re-planned,
 * and its MCM's status is refreshed.
 */
export function keysForManagedCluster(
  cluster: ManagedCluster,
  mcms: readonly ManagedClusterModule[],
  hasManifestWork: (mcm: string, cluster: string) => boolean,
): ReconcileKey[] {
  const name = cluster.metadata.name ?? '';
  const keys: ReconcileKey[] = [];
  for (const mcm of mcms) {
    const mcmName = mcm.metadata.name ?? '';
    const compiled = compileClusterSelector(
      mcm.spec?.selector as Record<string, string> | undefined,
      mcm.spec?.clusterSelector,
    );
    const selected = compiled.ok && compiled.matches(cluster.metadata.labels ?? {});
    if (selected || hasManifestWork(mcmName, name)) keys.push(clusterKey(mcmName, name), mcmKey(mcmName));
  }
  return keys;
}

/**
 * A PlacementDecision change re-plans every MCM whose placementRef names its Placement: clusters joined or left the
 * decision. An update that leaves the decided clusters as they were (OCM rewrites reasons) maps to nothing.
 */
export function keysForPlacementDecision(
  decision: PlacementDecision,
  mcms: readonly ManagedClusterModule[],
  old?: PlacementDecision,
): ReconcileKey[] {
  const clustersOf = (d: PlacementDecision) =>
    (d.status?.decisions ?? [])
      .map((e) => e.clusterName)
      .toSorted()
      .join();
  const placementOf = (d: PlacementDecision) => d.metadata.labels?.[LABELS.ocmPlacement];
  if (old && clustersOf(old) === clustersOf(decision) && placementOf(old) === placementOf(decision)) return [];
  return mcms
    .filter((m) => {
      const ref = m.spec?.placementRef;
      return ref !== undefined && (isDecisionOf(ref, decision) || (old !== undefined && isDecisionOf(ref, old)));
    })
    .map((m) => mcmKey(m.metadata.name ?? ''));
}

/** Names of the hub-namespace Secrets and ConfigMaps an MCM reads (pull secret, Dockerfiles, build and sign secrets). */
export function hubInputsOf(mcm: ManagedClusterModule): Set<string> {
  const spec = mcm.spec?.moduleSpec;
  const names = new Set<string>();
  const add = (n: string | undefined) => n && names.add(n);
  add(spec?.imageRepoSecret?.name);
  const container = spec?.moduleLoader?.container;
  for (const scope of [container, ...(container?.kernelMappings ?? [])]) {
    add(scope?.build?.dockerfileConfigMap?.name);
    for (const s of scope?.build?.secrets ?? []) add(s.name);
    add(scope?.sign?.keySecret?.name);
    add(scope?.sign?.certSecret?.name);
  }
  return names;
}

/** A changed Secret or ConfigMap of the hub namespace re-plans the MCMs that read it: new inputs, new build. */
export function keysForHubInput(name: string, mcms: readonly ManagedClusterModule[]): ReconcileKey[] {
  return mcms.filter((m) => hubInputsOf(m).has(name)).map((m) => mcmKey(m.metadata.name ?? ''));
}

/** Whether a ManagedCluster update can change a plan: labels, claims or deletion (heartbeats change none). */
export function managedClusterChanged(old: ManagedCluster, now: ManagedCluster): boolean {
  return (
    canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(now.metadata.labels ?? {}) ||
    canonicalJson(old.status?.clusterClaims ?? []) !== canonicalJson(now.status?.clusterClaims ?? []) ||
    Boolean(old.metadata.deletionTimestamp) !== Boolean(now.metadata.deletionTimestamp)
  );
}
