import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { HubHealthIndicators } from './hub-health.indicators.js';

// Not in the OpenAPI document (it covers /api/v1 only), so terminus need not load @nestjs/swagger (about 14 MiB
// resident) in the controller and worker roles.
const HEALTH_CHECK = { noCache: true, swaggerDocumentation: false };

/** /healthz: the process serves requests. /readyz: Redis, the hub API server and the informers are usable. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HubHealthIndicators,
  ) {}

  @Get('healthz')
  @HealthCheck(HEALTH_CHECK)
  healthz(): Promise<HealthCheckResult> {
    return this.health.check(this.indicators.liveness());
  }

  @Get('readyz')
  @HealthCheck(HEALTH_CHECK)
  async readyz(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.indicators.readiness());
    } catch (err) {
      // Terminus reports a failed check as 503 with the same body shape; keep it as is (not a problem document).
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503);
      return err.getResponse() as HealthCheckResult;
    }
  }
}
