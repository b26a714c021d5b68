// Where the API and the health checks get the informer caches: the controller's HubCacheModule (one set of
// informers per process, whatever imports it), in every role that runs them.
import type { Type } from '@nestjs/common';
import type { HubRole } from '../config/config.schema.js';
import { HubCacheModule } from '../controller/hub-cache.module.js';

/** The module exporting HubCacheService in this role; none in the worker role. */
export function cachesModuleFor(role: HubRole): Type | undefined {
  return role === 'worker' ? undefined : HubCacheModule;
}
