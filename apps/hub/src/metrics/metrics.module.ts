import { Module } from '@nestjs/common';
import { HubMetrics } from './metrics.js';

/** One metrics registry per application, shared by every module that records into it. */
@Module({ providers: [HubMetrics], exports: [HubMetrics] })
export class MetricsModule {}
