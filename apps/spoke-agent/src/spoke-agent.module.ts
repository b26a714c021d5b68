import { Module, type DynamicModule } from '@nestjs/common';
import { loggerModule } from '@kmm-hub/logging';
import type { SpokeConfig } from './config/config.schema.js';
import { HealthModule } from './health/health.module.js';

@Module({})
export class SpokeAgentModule {
  static register(config: SpokeConfig): DynamicModule {
    return { module: SpokeAgentModule, imports: [loggerModule(config.LOG_LEVEL, 'kmm-spoke-agent'), HealthModule] };
  }
}
