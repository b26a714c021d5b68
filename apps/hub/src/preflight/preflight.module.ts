import { Module, type DynamicModule } from '@nestjs/common';
import { HubCacheModule } from '../hub-cache/hub-cache.module.js';
import { KernelImageService } from './kernel-image.service.js';
import { PreflightValidationReconciler } from './preflight-validation.reconciler.js';
import { UpcomingKernelsReconciler } from './upcoming-kernels.reconciler.js';

/**
 * Kernels no cluster runs yet: PreflightValidation and the upcoming kernels, in the controller role, over the
 * controller's image checks and the image pipeline.
 */
@Module({})
export class PreflightModule {
  /** `controller` and `images` are the very modules the hub imports, so their providers are shared. */
  static register(controller: DynamicModule, images: DynamicModule): DynamicModule {
    return {
      module: PreflightModule,
      imports: [HubCacheModule, controller, images],
      providers: [KernelImageService, PreflightValidationReconciler, UpcomingKernelsReconciler],
      exports: [PreflightValidationReconciler, UpcomingKernelsReconciler],
    };
  }
}
