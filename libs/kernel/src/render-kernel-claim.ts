import { LIMITS } from '@kmm-hub/api';

export interface KernelClaim {
  /** The claim value: the kept kernels, sorted, joined with `\n`; `''` when there is no kernel. */
  readonly value: string;
  /** The kernels in `value`, sorted. */
  readonly kernels: string[];
  /** Kernels left out because the value would pass the limit, sorted. Empty when everything fits. */
  readonly omitted: string[];
}

/**
 * The value of the `kernel-versions.kmm.node.kubernetes.io` ClusterClaim for the kernels a spoke's nodes report
 * (one entry per node, duplicates welcome), as upstream's spoke writes it: unique, sorted by code unit, joined with
 * `\n`, each kernel as the node reports it (a trailing `+` is kept; `parseKernelClaim` trims it). The inverse of
 * `parseKernelClaim` for what fits.
 *
 * OCM caps a claim value at 1,024 characters (`LIMITS.clusterClaimValue`) and upstream's create then fails, leaving
 * the hub with a stale claim. Here the kernels run by the most nodes are kept first (ties in sorted order), as many
 * as fit, so a fleet over the cap still serves its largest node groups, and what was cut is returned to be reported.
 */
export function renderKernelClaim(
  nodeKernels: Iterable<string>,
  limit: number = LIMITS.clusterClaimValue,
): KernelClaim {
  const nodes = new Map<string, number>();
  for (const kernel of nodeKernels) if (kernel !== '') nodes.set(kernel, (nodes.get(kernel) ?? 0) + 1);
  const byUse = [...nodes.keys()].toSorted(
    (a, b) => (nodes.get(b) ?? 0) - (nodes.get(a) ?? 0) || compareCodeUnits(a, b),
  );
  const kept: string[] = [];
  const omitted: string[] = [];
  let length = 0;
  for (const kernel of byUse) {
    const added = kernel.length + (kept.length > 0 ? 1 : 0);
    if (length + added <= limit) {
      kept.push(kernel);
      length += added;
    } else {
      omitted.push(kernel);
    }
  }
  const kernels = kept.toSorted(compareCodeUnits);
  return { value: kernels.join('\n'), kernels, omitted: omitted.toSorted(compareCodeUnits) };
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
