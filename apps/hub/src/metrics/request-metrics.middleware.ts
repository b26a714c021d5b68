import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HubMetrics } from './metrics.js';

/** Counts and times every HTTP request by route pattern (never the raw path, so labels stay bounded). */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: HubMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.apiRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.metrics.apiRequestDuration.observe({ method: req.method, route }, seconds);
    });
    next();
  }
}
