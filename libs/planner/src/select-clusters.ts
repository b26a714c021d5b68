import type { ClusterSelector, LabelSelectorRequirement, ManagedCluster, ManagedClusterModule } from '@kmm-hub/api';

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

/** The clusters an MCM targets, sorted by name so every plan and status lists them in one order. */
export function selectClusters(
  mcm: ManagedClusterModule,
  clusters: readonly ManagedCluster[],
): { ok: true; selection: ClusterSelection } | { ok: false; reason: string } {
  const compiled = compileClusterSelector(
    mcm.spec?.selector as Record<string, string> | undefined,
    mcm.spec?.clusterSelector,
  );
  if (!compiled.ok) return compiled;
  const selected: ManagedCluster[] = [];
  const terminating: string[] = [];
  for (const c of clusters.toSorted((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    if (!compiled.matches(c.metadata.labels ?? {})) continue;
    if (c.metadata.deletionTimestamp) terminating.push(c.metadata.name ?? '');
    else selected.push(c);
  }
  return { ok: true, selection: { selected, terminating } };
}
