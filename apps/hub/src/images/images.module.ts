// The image pipeline as a Nest module. The pipeline (request, progress, logs, events) serves the controller and
// API roles; the workers (processors, executors, signing) run in the `all` and `worker` roles. The hub connection
// comes from the global HubKubeModule.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module.js';
import { RegistryModule } from '../registry/registry.module.js';
import type { HubConfig, HubRole } from '../config/config.schema.js';
import { BuildProcessor } from './build.processor.js';
import type { BuildExecutor } from './build-executor.js';
import { BuildahExecutor } from './buildah.executor.js';
import { KubernetesJobExecutor } from './kubernetes-job.executor.js';
import { HubInputsService } from './hub-inputs.service.js';
import { ImageBuilderService } from './image-builder.service.js';
import { IMAGE_PIPELINE } from './image-pipeline.js';
import { ImagePipelineService } from './image-pipeline.service.js';
import { ImageQueuesModule } from '../image-queues/image-queues.module.js';
import { ImageWorkersService } from './image-workers.service.js';
import {
  BUILD_EXECUTOR,
  IMAGES_OPTIONS,
  type ImagesOptions,
  imagesOptionsFromConfig,
} from '../image-queues/images.options.js';
import { ModuleSignerService } from './module-signer.service.js';
import { SignProcessor } from './sign.processor.js';

export interface ImagesModuleOptions {
  role: HubRole;
  /** Settings that have no environment variable (tests shorten waits with them). */
  overrides?: Partial<Pick<ImagesOptions, 'signWaitForBuildMs'>>;
}

@Module({})
export class ImagesModule {
  static register(options: ImagesModuleOptions): DynamicModule {
    const runsWorkers = options.role === 'all' || options.role === 'worker';
    const servesPipeline = options.role !== 'worker';
    const shared: Provider[] = [
      {
        provide: IMAGES_OPTIONS,
        useFactory: (config: HubConfig): ImagesOptions => ({
          ...imagesOptionsFromConfig(config),
          ...options.overrides,
        }),
        inject: [HUB_CONFIG],
      },
    ];
    const pipeline: Provider[] = [ImagePipelineService, { provide: IMAGE_PIPELINE, useExisting: ImagePipelineService }];
    const workers: Provider[] = [
      HubInputsService,
      ImageBuilderService,
      ModuleSignerService,
      BuildahExecutor,
      KubernetesJobExecutor,
      {
        provide: BUILD_EXECUTOR,
        useFactory: (
          opts: ImagesOptions,
          buildah: BuildahExecutor,
          kubernetes: KubernetesJobExecutor,
        ): BuildExecutor => (opts.build.executor === 'buildah' ? buildah : kubernetes),
        inject: [IMAGES_OPTIONS, BuildahExecutor, KubernetesJobExecutor],
      },
      BuildProcessor,
      SignProcessor,
      ImageWorkersService,
    ];
    return {
      module: ImagesModule,
      imports: [ImageQueuesModule, ...(runsWorkers ? [RegistryModule] : [])],
      providers: [...shared, ...(servesPipeline ? pipeline : []), ...(runsWorkers ? workers : [])],
      exports: servesPipeline ? [IMAGE_PIPELINE, ImagePipelineService] : [],
    };
  }
}
