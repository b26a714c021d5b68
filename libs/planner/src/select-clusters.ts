import {
  LABELS,
  type ClusterSelector,
  type LabelSelectorRequirement,
  type ManagedCluster,
  type ManagedClusterModule,
  type PlacementDecision,
  type PlacementRef,
} from '@kmm-hub/api';

export type SelectorResult =
  { ok: true; matches: (labels: Record<string, string>) => boolean } | { ok: false; reason: string };

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function requirementMatches(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(req.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/**
 * Compiles upstream's equality `selector` (every pair must match; empty selects every cluster) together with our
 * optional `clusterSelector` (metav1.LabelSelector). Both must match. Operator/value combinations that
 * metav1.LabelSelectorAsSelector rejects are reported instead of silently matching nothing or everything.
 */
export function compileClusterSelector(
  selector: Record<string, string> | undefined,
  clusterSelector: ClusterSelector | undefined,
): SelectorResult {
  const reqs = clusterSelector?.matchExpressions ?? [];
  for (const [i, r] of reqs.entries()) {
    const values = r.values ?? [];
    if (!OPERATORS.has(r.operator)) {
      return {
        ok: false,
        reason: `spec.clusterSelector.matchExpressions[${i}]: unknown operator ${JSON.stringify(r.operator)}; use In, NotIn, Exists or DoesNotExist`,
      };
    }
    if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) {
      return {
        ok: false,
        reason: `spec.clusterSelector.matchExpressions[${i}]: operator ${r.operator} needs at least one value`,
      };
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) {
      return {
        ok: false,
        reason: `spec.clusterSelector.matchExpressions[${i}]: operator ${r.operator} takes no values`,
      };
    }
  }
  const equality = { ...selector };
  const matchLabels = { ...clusterSelector?.matchLabels };
  return {
    ok: true,
    matches: (labels) =>
      Object.entries(equality).every(([k, v]) => labels[k] === v) &&
      Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
      reqs.every((r) => requirementMatches(r, labels)),
  };
}

export interface ClusterSelection {
  selected: ManagedCluster[];
  /** Clusters whose labels match but that are being deleted: they get no new work. */
  terminating: string[];
}

/** Whether a PlacementDecision belongs to the Placement a ref names (OCM labels each with its Placement's name). */
export function isDecisionOf(ref: PlacementRef, decision: PlacementDecision): boolean {
  return decision.metadata.namespace === ref.namespace && decision.metadata.labels?.[LABELS.ocmPlacement] === ref.name;
}

/**
 * The clusters a Placement decided: the union of every PlacementDecision of it (OCM splits large decisions over
 * several objects of at most 100 clusters), ignoring empty names as OCM's consumers do.
 */
export function decidedClusters(ref: PlacementRef, decisions: readonly PlacementDecision[]): Set<string> {
  const names = new Set<string>();
  for (const d of decisions) {
    if (!isDecisionOf(ref, d)) continue;
    for (const entry of d.status?.decisions ?? []) if (entry.clusterName) names.add(entry.clusterName);
  }
  return names;
}

/**
 * The clusters an MCM targets, sorted by name so every plan and status lists them in one order. With a
 * placementRef, only clusters that its Placement decided and that match the label selectors are selected.
 */
export function selectClusters(
  mcm: ManagedClusterModule,
  clusters: readonly ManagedCluster[],
  placementDecisions: readonly PlacementDecision[] = [],
): { ok: true; selection: ClusterSelection } | { ok: false; reason: string } {
  const compiled = compileClusterSelector(
    mcm.spec?.selector as Record<string, string> | undefined,
    mcm.spec?.clusterSelector,
  );
  if (!compiled.ok) return compiled;
  const ref = mcm.spec?.placementRef;
  const decided = ref ? decidedClusters(ref, placementDecisions) : undefined;
  const selected: ManagedCluster[] = [];
  const terminating: string[] = [];
  for (const c of clusters.toSorted((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    if (!compiled.matches(c.metadata.labels ?? {})) continue;
    if (decided && !decided.has(c.metadata.name ?? '')) continue;
    if (c.metadata.deletionTimestamp) terminating.push(c.metadata.name ?? '');
    else selected.push(c);
  }
  return { ok: true, selection: { selected, terminating } };
}
