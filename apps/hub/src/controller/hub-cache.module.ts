import { Module } from '@nestjs/common';
import { HubCacheService } from './hub-cache.service.js';

/** The informer caches, shared by the controller and the API roles (each process runs its own). */
@Module({ providers: [HubCacheService], exports: [HubCacheService] })
export class HubCacheModule {}
