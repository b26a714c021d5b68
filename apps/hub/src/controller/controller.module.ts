import { Module, type DynamicModule } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RegistryModule } from '../registry/registry.module.js';
import { EventRecorderService } from './event-recorder.service.js';
import { HubCacheModule } from '../hub-cache/hub-cache.module.js';
import { ClusterImageFinder } from './cluster-image-finder.js';
import { ImageTrackerService } from './image-tracker.service.js';
import { ManagedClusterModuleReconciler } from './managed-cluster-module.reconciler.js';
import { ManifestWorkWriter } from './manifest-work-writer.js';
import { ManagedClusterModuleStatusWriter } from './mcm-status-writer.js';
import { RolloutGate } from './rollout-gate.js';

/** The controller role: the leader-elected MCM reconciler, image checks and events, over the shared caches. */
@Module({})
export class ControllerModule {
  /** `images` is the image pipeline module whose IMAGE_PIPELINE the reconciler hands missing images to. */
  static register(images: DynamicModule): DynamicModule {
    return {
      module: ControllerModule,
      imports: [HubCacheModule, MetricsModule, RegistryModule, images],
      providers: [
        ImageTrackerService,
        EventRecorderService,
        ClusterImageFinder,
        ManifestWorkWriter,
        ManagedClusterModuleStatusWriter,
        RolloutGate,
        ManagedClusterModuleReconciler,
      ],
      exports: [ManagedClusterModuleReconciler, ImageTrackerService, EventRecorderService],
    };
  }
}
