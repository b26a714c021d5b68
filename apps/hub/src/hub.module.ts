import { Module, type DynamicModule } from '@nestjs/common';
import { loggerModule, type LoggerOptions } from '@kmm-hub/logging';
import { HubConfigModule } from './config/config.module.js';
import type { HubConfig } from './config/config.schema.js';
import { ControllerModule } from './controller/controller.module.js';
import { ApiModule } from './api/api.module.js';
import { HealthModule } from './health/health.module.js';
import { ImagesModule } from './images/images.module.js';
import { HubKubeModule } from './kube/hub-kube.module.js';
import { PreflightModule } from './preflight/preflight.module.js';
import { WebModule } from './web/web.module.js';

/** Root module: the role decides which feature modules load over one set of shared providers. */
@Module({})
export class HubModule {
  static forRole(config: HubConfig, logging: LoggerOptions = {}): DynamicModule {
    const role = config.HUB_ROLE;
    // Every role talks to the pipeline (controller enqueues, api reads progress); workers process it.
    const images = ImagesModule.register({ role });
    const controller = role === 'all' || role === 'controller' ? ControllerModule.register(images) : undefined;
    return {
      module: HubModule,
      imports: [
        HubConfigModule.register(config),
        loggerModule(config.LOG_LEVEL, 'kmm-hub', logging),
        HubKubeModule,
        HealthModule.register({ role, metricsAuth: config.METRICS_AUTH, ...(controller && { controller }) }),
        images,
        ...(controller ? [controller, PreflightModule.register(controller, images)] : []),
        ...(role === 'all' || role === 'api' ? [ApiModule.register({ role }), WebModule] : []),
      ],
    };
  }
}
