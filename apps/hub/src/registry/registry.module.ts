import { Module } from '@nestjs/common';
import { RegistryAccessService } from './registry-access.service.js';

/** Registry clients for every module that talks to registries; static, so a process keeps one set of clients. */
@Module({ providers: [RegistryAccessService], exports: [RegistryAccessService] })
export class RegistryModule {}
