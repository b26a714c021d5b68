import {
  validateManagedClusterModule,
  type ManagedCluster,
  type ManagedClusterModule,
  type PlacementDecision,
} from '@kmm-hub/api';
import { selectClusters } from './select-clusters.js';

export interface ManagedClusterModuleSnapshot {
  /** The MCM as the cache holds it; undefined once it is gone. */
  mcm: ManagedClusterModule | undefined;
  /** Clusters that hold a ManifestWork of this MCM. */
  owned: readonly string[];
  /** Clusters with a planned delivery status for this MCM. */
  planned: readonly string[];
  clusters: readonly ManagedCluster[];
  placementDecisions: readonly PlacementDecision[];
}

/** What the hub does about an MCM as a whole; each (MCM, cluster) pair is then planned on its own key. */
export type ManagedClusterModuleDecision =
  /** The MCM is gone: request deletion of what it still owns and forget it. */
  | { action: 'Forget' }
  /**
   * Being deleted and ManifestWorks remain: request their deletion and wait. The spokes unload the module when their
   * work agent removes the applied Module; only then does the ManifestWork disappear from the hub, and only then may
   * the MCM go. Meanwhile status names what is left.
   */
  | { action: 'AwaitManifestWorkDeletion' }
  /** Being deleted and nothing remains: our finalizer goes. */
  | { action: 'RemoveFinalizer' }
  /** The spec is invalid: nothing is planned or removed for it (what was applied stays as it is). */
  | { action: 'Invalid'; message: string; issues: number }
  /**
   * Plan these clusters (the selected ones and those that still hold a ManifestWork but are no longer selected),
   * and drop the planned status of `forget` (neither selected nor holding a ManifestWork).
   */
  | { action: 'FanOut'; clusters: string[]; forget: string[] };

/** Decides, from the caches' snapshot only, what to do about one MCM. Pure. */
export function decideManagedClusterModule(input: ManagedClusterModuleSnapshot): ManagedClusterModuleDecision {
  const { mcm, owned, planned } = input;
  if (!mcm) return { action: 'Forget' };
  if (mcm.metadata.deletionTimestamp) {
    return owned.length > 0 ? { action: 'AwaitManifestWorkDeletion' } : { action: 'RemoveFinalizer' };
  }
  const validation = validateManagedClusterModule(mcm);
  const selection = selectClusters(mcm, input.clusters, input.placementDecisions);
  const problems = [
    ...(validation.ok ? [] : validation.issues.map((i) => `${i.path}: ${i.message}`)),
    ...(selection.ok ? [] : [selection.reason]),
  ];
  if (problems.length > 0 || !selection.ok) {
    return { action: 'Invalid', message: problems.join('; '), issues: problems.length };
  }
  const selected = new Set(selection.selection.selected.map((c) => c.metadata.name ?? ''));
  const ownedSet = new Set(owned);
  return {
    action: 'FanOut',
    clusters: [...selected, ...owned.filter((c) => !selected.has(c))],
    forget: planned.filter((c) => !selected.has(c) && !ownedSet.has(c)),
  };
}
