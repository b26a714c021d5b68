import { Module, type DynamicModule } from '@nestjs/common';
import { HubConfigModule } from './config/config.module.js';
import type { HubConfig } from './config/config.schema.js';
import { HealthModule } from './health/health.module.js';
import { loggerModule } from '@kmm-hub/logging';

/** Root module: the role decides which feature modules load over one set of shared providers. */
@Module({})
export class HubModule {
  static forRole(config: HubConfig): DynamicModule {
    return {
      module: HubModule,
      imports: [HubConfigModule.register(config), loggerModule(config.LOG_LEVEL, 'kmm-hub'), HealthModule],
    };
  }
}
