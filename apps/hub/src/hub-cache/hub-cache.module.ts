// The informer caches, and where the API and the health checks get them: one set of informers per process,
// whatever imports HubCacheModule, in every role that runs them.
import { Module, type Type } from '@nestjs/common';
import type { HubRole } from '../config/config.schema.js';
import { HubCacheService } from './hub-cache.service.js';

/** The informer caches, shared by the controller and the API roles (each process runs its own). */
@Module({ providers: [HubCacheService], exports: [HubCacheService] })
export class HubCacheModule {}

/** The module exporting HubCacheService in this role; none in the worker role. */
export function cachesModuleFor(role: HubRole): Type | undefined {
  return role === 'worker' ? undefined : HubCacheModule;
}
