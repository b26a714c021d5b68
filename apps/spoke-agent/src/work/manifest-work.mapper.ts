import type { AppliedManifestWork } from '@kmm-hub/api';

/** The AppliedManifestWork name OCM derives for a work: `<hubHash>-<workName>`. */
export function appliedWorkName(hubHash: string, workName: string): string {
  return `${hubHash}-${workName}`;
}

/**
 * The work key of an AppliedManifestWork event, or undefined when it belongs to another hub or another agent
 * (OCM leaves those alone): the spec names this hub and agent and the name carries this hub's prefix.
 */
export function workKeyOfAppliedWork(
  applied: Pick<AppliedManifestWork, 'metadata' | 'spec'>,
  hub: { readonly hubHash: string; readonly agentId: string },
): string | undefined {
  const name = applied.metadata.name ?? '';
  const prefix = `${hub.hubHash}-`;
  if (!name.startsWith(prefix) || applied.spec?.hubHash !== hub.hubHash) return undefined;
  if ((applied.spec.agentID ?? applied.spec.hubHash) !== hub.agentId) return undefined;
  return applied.spec.manifestWorkName || name.slice(prefix.length);
}
