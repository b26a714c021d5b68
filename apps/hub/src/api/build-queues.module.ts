// The API's own handle on the image queues (listing, retry, progress events, queue depth), built from the image
// pipeline's public pieces: its queue client class and its options. Static, so the API and health modules share it.
import { Module } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ImageQueueClient } from '../images/image-queue.client.js';
import { imagesOptionsFromConfig } from '../images/images.options.js';

export const BUILD_QUEUES = Symbol('BUILD_QUEUES');

@Module({
  providers: [
    {
      provide: BUILD_QUEUES,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => new ImageQueueClient(imagesOptionsFromConfig(config)),
    },
  ],
  exports: [BUILD_QUEUES],
})
export class BuildQueuesModule {}
