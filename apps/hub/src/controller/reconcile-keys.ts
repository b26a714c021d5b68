/**
 * Work-queue keys of the hub controller. `mcm` keys select clusters and collect garbage for one
 * ManagedClusterModule; `cluster` keys plan and write the ManifestWork of one (MCM, cluster) pair, so a change on
 * one cluster re-plans that cluster alone; `status` keys write one MCM's status from the per-cluster results.
 */
export type ReconcileKey = `mcm:${string}` | `cluster:${string}/${string}` | `status:${string}`;

export const mcmKey = (mcm: string): ReconcileKey => `mcm:${mcm}`;
export const clusterKey = (mcm: string, cluster: string): ReconcileKey => `cluster:${mcm}/${cluster}`;
export const statusKey = (mcm: string): ReconcileKey => `status:${mcm}`;

export type ParsedKey =
  { kind: 'mcm'; mcm: string } | { kind: 'cluster'; mcm: string; cluster: string } | { kind: 'status'; mcm: string };

export function parseKey(key: ReconcileKey): ParsedKey {
  if (key.startsWith('mcm:')) return { kind: 'mcm', mcm: key.slice('mcm:'.length) };
  if (key.startsWith('status:')) return { kind: 'status', mcm: key.slice('status:'.length) };
  const [mcm = '', cluster = ''] = key.slice('cluster:'.length).split('/');
  return { kind: 'cluster', mcm, cluster };
}
