import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  Inject,
  Injectable,
  Optional,
  Res,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthenticationService } from '../auth/authentication.service.js';
import { ROLES } from '../auth/principal.js';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubMetrics } from '../metrics/metrics.js';

/** /metrics is open unless METRICS_AUTH=viewer, which asks for the same credentials as the API. */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() private readonly auth?: AuthenticationService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.METRICS_AUTH === 'none') return true;
    if (!this.auth) throw new Error('METRICS_AUTH=viewer but authentication is not loaded');
    const result = await this.auth.authenticate(context.switchToHttp().getRequest<Request>());
    if (!result.ok) throw new UnauthorizedException('authentication required');
    if (!result.principal.roles.includes(ROLES.viewer)) throw new ForbiddenException('not allowed');
    return true;
  }
}

@UseGuards(MetricsAccessGuard)
@Controller()
export class MetricsController {
  constructor(private readonly metrics: HubMetrics) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
