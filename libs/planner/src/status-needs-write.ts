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
