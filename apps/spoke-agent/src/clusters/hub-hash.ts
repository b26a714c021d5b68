import { createHash } from 'node:crypto';

/**
 * OCM's hub hash (`pkg/work/helper/helpers.go HubHash`): lowercase hex sha256 of the hub API server URL exactly as
 * the agent's hub kubeconfig spells it. AppliedManifestWorks are named `<hubHash>-<work>`, so one spoke can serve
 * several hubs and an agent recognises what it applied for its own hub.
 */
export function hubHashOf(server: string): string {
  return createHash('sha256').update(server).digest('hex');
}
