import { Module, type DynamicModule } from '@nestjs/common';
import { loggerModule } from '@kmm-hub/logging';
import { ClaimsModule } from './claims/claims.module.js';
import { ClustersModule } from './clusters/clusters.module.js';
import { SpokeConfigModule } from './config/config.module.js';
import type { SpokeConfig } from './config/config.schema.js';
import { HealthModule } from './health/health.module.js';
import { ModulesModule } from './modules/modules.module.js';
import { WorkModule } from './work/work.module.js';

/**
 * Root module. The configuration picks the features: the work agent (off when a real klusterlet applies works),
 * the kernel claim and, in standalone mode, the cluster registration, and the Module reconciler (off when a real
 * KMM runs on the spoke). Without CLUSTER_NAME no feature loads and only /healthz is served.
 */
@Module({})
export class SpokeAgentModule {
  static register(config: SpokeConfig): DynamicModule {
    const features =
      config.CLUSTER_NAME === undefined
        ? []
        : [
            ClustersModule.register(config),
            ClaimsModule.register(config),
            ...(config.WORK_AGENT ? [WorkModule] : []),
            ...(config.MODULE_RECONCILER ? [ModulesModule] : []),
          ];
    return {
      module: SpokeAgentModule,
      imports: [
        SpokeConfigModule.register(config),
        loggerModule(config.LOG_LEVEL, 'kmm-spoke-agent'),
        HealthModule,
        ...features,
      ],
    };
  }
}
