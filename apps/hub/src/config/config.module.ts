import { Global, Module } from '@nestjs/common';
import { parseHubConfig, type HubConfig } from './config.schema.js';

export const HUB_CONFIG = Symbol('HUB_CONFIG');

@Global()
@Module({})
export class HubConfigModule {
  static register(config: HubConfig = parseHubConfig(process.env)) {
    return {
      module: HubConfigModule,
      providers: [{ provide: HUB_CONFIG, useValue: config }],
      exports: [HUB_CONFIG],
    };
  }
}
