import { Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { ImageQueuesModule } from '../image-queues/image-queues.module.js';
import { cachesModuleFor } from '../hub-cache/hub-cache.module.js';
import type { HubRole } from '../config/config.schema.js';
import { HubKubeModule } from '../kube/hub-kube.module.js';
import { HealthController } from './health.controller.js';
import { HubHealthIndicators } from './hub-health.indicators.js';
import { MetricsAccessGuard, MetricsController } from './metrics.controller.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RequestMetricsMiddleware } from '../metrics/request-metrics.middleware.js';

export interface HealthModuleOptions {
  role: HubRole;
  /** The controller module of this process (roles all and controller): readiness reports its leadership. */
  controller?: DynamicModule;
  /** METRICS_AUTH: `viewer` loads authentication for /metrics in every role. */
  metricsAuth: 'none' | 'viewer';
}

/** /healthz, /readyz and /metrics in every role, and the request metrics of every route. */
@Module({})
export class HealthModule implements NestModule {
  static register(options: HealthModuleOptions): DynamicModule {
    const caches = cachesModuleFor(options.role);
    return {
      module: HealthModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        HubKubeModule,
        ImageQueuesModule,
        MetricsModule,
        ...(caches ? [caches] : []),
        ...(options.controller ? [options.controller] : []),
        ...(options.metricsAuth === 'viewer' ? [AuthModule] : []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [HubHealthIndicators, MetricsAccessGuard],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
