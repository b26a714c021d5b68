// The process's one ImageQueueClient (and so one set of Redis connections): the pipeline, its workers, the API and
// the health checks all use it. A static module, so every importer gets the same instance.
import { Module } from '@nestjs/common';
import { getLoggerToken, type PinoLogger } from 'nestjs-pino';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ImageQueueClient } from './image-queue.client.js';
import { imagesOptionsFromConfig } from './images.options.js';

@Module({
  providers: [
    {
      provide: ImageQueueClient,
      inject: [HUB_CONFIG, getLoggerToken(ImageQueueClient.name)],
      useFactory: (config: HubConfig, logger: PinoLogger) =>
        new ImageQueueClient(imagesOptionsFromConfig(config), logger),
    },
  ],
  exports: [ImageQueueClient],
})
export class ImageQueuesModule {}
