import { Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { nameParams } from './dto/common.dto.js';
import { rolloutView, type RolloutView } from './dto/rollout.dto.js';
import { RolloutService } from './rollout.service.js';
import { OidcGuard, RequireAccess, type AuthenticatedRequest } from '../auth/oidc.guard.js';
import { ACCESS } from '../auth/principal.js';

@ApiTags('rollout')
@ApiGuarded()
@UseGuards(OidcGuard)
@Controller(`${API_PREFIX}/modules/:name/rollout`)
export class RolloutController {
  constructor(private readonly rollouts: RolloutService) {}

  @Get()
  @ApiOperation({ summary: 'The rollout of one module: strategy, state, current wave, and per cluster its revision' })
  @ApiGuarded(404)
  @ApiOkResponse({ standardSchema: rolloutView })
  get(@Param({ schema: nameParams }) params: { name: string }): RolloutView {
    return this.rollouts.view(params.name);
  }

  @Post('pause')
  @HttpCode(200)
  @RequireAccess(ACCESS.admin)
  @ApiOperation({
    summary: 'Freeze the rollout: sets spec.rollout.paused, recorded in an Event naming the caller (admin)',
  })
  @ApiGuarded(404, 409)
  @ApiOkResponse({ standardSchema: rolloutView })
  pause(
    @Param({ schema: nameParams }) params: { name: string },
    @Req() req: AuthenticatedRequest,
  ): Promise<RolloutView> {
    return this.rollouts.setPaused(params.name, true, req.principal.subject);
  }

  @Post('resume')
  @HttpCode(200)
  @RequireAccess(ACCESS.admin)
  @ApiOperation({
    summary: 'Let the rollout go on: clears spec.rollout.paused, recorded in an Event naming the caller (admin)',
  })
  @ApiGuarded(404, 409)
  @ApiOkResponse({ standardSchema: rolloutView })
  resume(
    @Param({ schema: nameParams }) params: { name: string },
    @Req() req: AuthenticatedRequest,
  ): Promise<RolloutView> {
    return this.rollouts.setPaused(params.name, false, req.principal.subject);
  }
}
