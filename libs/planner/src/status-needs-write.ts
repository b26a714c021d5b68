import type { ManagedClusterModule } from '@kmm-hub/api';
import { canonicalJson } from '@kmm-hub/manifestwork';

type McmStatus = NonNullable<ManagedClusterModule['status']>;

/**
 * Status fields other writers own: the upcoming-kernels reconciler merge-patches `upcomingKernels`. The controller's
 * server-side apply of status leaves them alone, so they must not count as a difference either, or an MCM with
 * upcoming kernels gets a status apply that changes nothing on every pass.
 */
export const STATUS_OWNED_ELSEWHERE = ['upcomingKernels'] as const satisfies readonly (keyof McmStatus)[];

/** True when the controller's computed status differs from the stored one in a field the controller owns. */
export function statusNeedsWrite(computed: McmStatus, stored: ManagedClusterModule['status']): boolean {
  const own: Record<string, unknown> = { ...stored };
  for (const key of STATUS_OWNED_ELSEWHERE) delete own[key];
  return canonicalJson(computed) !== canonicalJson(own);
}

/**
 * Time a status write of an MCM selecting this many clusters costs before the next may follow. Each write
 * summarises every selected cluster, sends up to STATUS_MAX_CLUSTER_BYTES to the API server (which validates and
 * stores it) and comes back on the hub's own watch as a whole object: a cost per write that grows with the fleet,
 * paid once a second through a fan-out that lasts longer the larger the fleet, so the one part of a fan-out's cost
 * that grows faster than the fleet. Half a millisecond per cluster keeps small MCMs at the configured interval and
 * spaces a 10,000-cluster MCM's writes 5 s apart.
 */
export function statusWriteIntervalMs(selectedClusters: number, minimumMs: number): number {
  return Math.max(minimumMs, Math.round(selectedClusters * STATUS_WRITE_MS_PER_CLUSTER));
}

const STATUS_WRITE_MS_PER_CLUSTER = 0.5;
