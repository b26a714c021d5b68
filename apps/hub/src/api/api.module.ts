// The REST API (/api/v1), its OpenAPI document, the event stream and web sign-in (the fleet page is WebModule). Loaded in the
// `all` and `api` roles; stateless, so any number of `api` replicas can serve it.
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { HubRole } from '../config/config.schema.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { HubKubeModule } from '../kube/hub-kube.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { AuthController } from './auth.controller.js';
import { BuildJobsService } from './build-jobs.service.js';
import { ImageQueuesModule } from '../image-queues/image-queues.module.js';
import { BuildsController } from './builds.controller.js';
import { ClientErrorsService } from './client-errors.service.js';
import { EventsController } from './events.controller.js';
import { cachesModuleFor } from '../hub-cache/hub-cache.module.js';
import { FleetEventsService } from './fleet-events.service.js';
import { FleetController } from './fleet.controller.js';
import { FleetService } from './fleet.service.js';
import { ProblemFilter } from './problem.filter.js';
import { RolloutController } from './rollout.controller.js';
import { RolloutService } from './rollout.service.js';
import { EventRecorderService } from '../controller/event-recorder.service.js';
import { createValidationPipe } from './validation.pipe.js';

export interface ApiModuleOptions {
  role: Extract<HubRole, 'all' | 'api'>;
}

@Module({})
export class ApiModule {
  static register(options: ApiModuleOptions): DynamicModule {
    const caches = cachesModuleFor(options.role);
    return {
      module: ApiModule,
      imports: [HubKubeModule, AuthModule, ImageQueuesModule, MetricsModule, ...(caches ? [caches] : [])],
      controllers: [FleetController, RolloutController, BuildsController, EventsController, AuthController],
      providers: [
        FleetService,
        RolloutService,
        EventRecorderService,
        BuildJobsService,
        FleetEventsService,
        ClientErrorsService,
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [FleetService],
    };
  }
}
