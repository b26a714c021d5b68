import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { SpokeConfig } from './config.schema.js';

export const SPOKE_CONFIG = Symbol('SPOKE_CONFIG');

/** The parsed configuration, available to every module. */
@Global()
@Module({})
export class SpokeConfigModule {
  static register(config: SpokeConfig): DynamicModule {
    return {
      module: SpokeConfigModule,
      providers: [{ provide: SPOKE_CONFIG, useValue: config }],
      exports: [SPOKE_CONFIG],
    };
  }
}
