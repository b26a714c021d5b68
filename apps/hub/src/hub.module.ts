import { Module, type DynamicModule } from '@nestjs/common';
import { loggerModule, type LoggerOptions } from '@kmm-hub/logging';
import { HubConfigModule } from './config/config.module.js';
import type { HubConfig } from './config/config.schema.js';
import { ControllerModule } from './controller/controller.module.js';
import { HealthModule } from './health/health.module.js';
import { ImagesModule } from './images/images.module.js';
import { HubKubeModule } from './kube/hub-kube.module.js';
import { PreflightModule } from './preflight/preflight.module.js';

/** Root module: the role decides which feature modules load over one set of shared providers. */
@Module({})
export class HubModule {
  static async forRole(config: HubConfig, logging: LoggerOptions = {}): Promise<DynamicModule> {
    const role = config.HUB_ROLE;
    // Imported on demand, so the controller and worker roles do not load the API, the page and what they depend on
    // (@nestjs/swagger among them). Before the logger module is made: nestjs-pino provides a logger for each
    // @InjectPinoLogger context declared by the time LoggerModule.forRoot runs.
    const served =
      role === 'all' || role === 'api'
        ? [
            (await import('./api/api.module.js')).ApiModule.register({ role }),
            (await import('./web/web.module.js')).WebModule,
          ]
        : [];
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
        ...served,
      ],
    };
  }
}
