import type { ManifestWork } from '@kmm-hub/api';
import type { HubCacheService } from '../hub-cache/hub-cache.service.js';
import {
  keysForHubInput,
  keysForManagedCluster,
  keysForManagedClusterModule,
  keysForManifestWork,
  keysForPlacementDecision,
  managedClusterChanged,
} from './managed-cluster-module.mapper.js';
import type { ReconcileKey } from './reconcile-keys.js';

/**
 * Wires every informer the hub controller reads to the keys it affects (the mappers decide which). `hasPlanned`
 * says whether a pair was planned before without a ManifestWork: such pairs must hear that their cluster left.
 * `isOwnCreate` recognises the ADDED event of a ManifestWork the hub itself just created, which needs no re-plan.
 */
export function subscribeHubChanges(
  caches: HubCacheService,
  enqueue: (key: ReconcileKey) => void,
  hasPlanned: (mcm: string, cluster: string) => boolean,
  isOwnCreate: (mw: ManifestWork) => boolean = () => false,
): void {
  const c = caches;
  const enqueueAll = (keys: ReconcileKey[]) => keys.forEach(enqueue);
  for (const ev of ['add', 'update', 'delete'] as const) {
    c.managedClusterModules.on(ev, (mcm, old) =>
      enqueueAll(keysForManagedClusterModule(mcm, ev === 'update' ? old : undefined)),
    );
    c.manifestWorks.on(ev, (mw) => {
      // Asked on every event, so an entry whose ADDED event came before the create's response does not linger.
      if (isOwnCreate(mw) && ev === 'add') return;
      enqueueAll(keysForManifestWork(mw));
    });
    c.placementDecisions.on(ev, (decision, old) =>
      enqueueAll(keysForPlacementDecision(decision, c.managedClusterModules.list(), ev === 'update' ? old : undefined)),
    );
    c.managedClusters.on(ev, (cluster, old) => {
      // A heartbeat that changes neither labels, claims nor deletion needs no re-plan.
      if (ev === 'update' && old && !managedClusterChanged(old, cluster)) return;
      enqueueAll(
        keysForManagedCluster(
          cluster,
          c.managedClusterModules.list(),
          (m, cl) => c.manifestWork(m, cl) !== undefined || hasPlanned(m, cl),
        ),
      );
    });
  }
  for (const inputs of [c.secrets, c.configMaps] as const) {
    for (const ev of ['add', 'update'] as const)
      inputs.on(ev, (obj) => enqueueAll(keysForHubInput(obj.metadata?.name ?? '', c.managedClusterModules.list())));
  }
}
