// Pure: which clusters GET /api/v1/clusters lists and in what order. At fleet scale a person looks for the clusters
// needing attention and for a name or a label, never at 10,000 rows; the page and the API share this one filter.
import { CLUSTER_DELIVERY_STATES } from '@kmm-hub/api';
import type { ClusterOrder, ClusterStateFilter, ClusterSummary } from './dto/fleet.dto.js';

export interface ClusterFilter {
  q?: string;
  state?: ClusterStateFilter;
  module?: string;
}

/** Lower needs attention sooner: Degraded anywhere, then not Available, then not Ready yet, then the rest. */
export function clusterAttention(c: Pick<ClusterSummary, 'available' | 'modules'>): 0 | 1 | 2 | 3 {
  if (c.modules.some((m) => m.state === CLUSTER_DELIVERY_STATES.Degraded)) return 0;
  if (c.available !== 'True') return 1;
  if (c.modules.some((m) => m.state !== CLUSTER_DELIVERY_STATES.Ready)) return 2;
  return 3;
}

/** The key a list in `order` is sorted by; names are DNS-1123 subdomains, so only attention keys hold a `/`. */
export function clusterSortKey(order: ClusterOrder, c: Pick<ClusterSummary, 'name' | 'available' | 'modules'>): string {
  return order === 'attention' ? `${clusterAttention(c)}/${c.name}` : c.name;
}

/** Whether a cursor's key came from a list in `order` (a cursor of the other order would skip or repeat items). */
export function isSortKeyOf(order: ClusterOrder, key: string): boolean {
  return order === 'attention' ? /^[0-3]\//.test(key) : !key.includes('/');
}

export function filterClusters<T extends ClusterSummary>(clusters: Iterable<T>, filter: ClusterFilter): T[] {
  const words = (filter.q ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  const out: T[] = [];
  for (const c of clusters) {
    if (matchesState(c, filter) && words.every((w) => matchesWord(c, w))) out.push(c);
  }
  return out;
}

function matchesState(c: ClusterSummary, filter: ClusterFilter): boolean {
  const states =
    filter.module === undefined
      ? c.modules.map((m) => m.state)
      : c.modules.filter((m) => m.module === filter.module).map((m) => m.state);
  if (filter.module !== undefined && states.length === 0) return false;
  if (filter.state === undefined) return true;
  if (filter.state === 'NeedsAttention') {
    return (
      states.some((s) => s !== CLUSTER_DELIVERY_STATES.Ready) || (filter.module === undefined && c.available !== 'True')
    );
  }
  return states.includes(filter.state);
}

function matchesWord(c: ClusterSummary, word: string): boolean {
  const eq = word.indexOf('=');
  if (eq > 0) {
    const [key, value] = [word.slice(0, eq), word.slice(eq + 1)];
    return Object.entries(c.labels).some(([k, v]) => k.toLowerCase() === key && v.toLowerCase() === value);
  }
  if (c.name.includes(word)) return true;
  return Object.entries(c.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(word));
}
