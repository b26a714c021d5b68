import { Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { BuildJobsService } from './build-jobs.service.js';
import {
  buildDetail,
  buildPage,
  buildParams,
  buildSummary,
  listBuildsQuery,
  type BuildDetail,
  type BuildSummary,
  type ListBuildsQuery,
} from './dto/builds.dto.js';
import { OidcGuard, RequireAccess, type AuthenticatedRequest } from '../auth/oidc.guard.js';
import type { Page } from './paginate.js';
import { ACCESS } from '../auth/principal.js';

@ApiTags('builds')
@ApiGuarded(503)
@UseGuards(OidcGuard)
@Controller(`${API_PREFIX}/builds`)
export class BuildsController {
  constructor(private readonly builds: BuildJobsService) {}

  @Get()
  @ApiOperation({ summary: 'Builds (build and sign jobs), newest first; filter by state, module, kernel' })
  @ApiOkResponse({ standardSchema: buildPage })
  list(@Query({ schema: listBuildsQuery }) query: ListBuildsQuery): Promise<Page<BuildSummary>> {
    return this.builds.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One build with its progress and its most recent log lines' })
  @ApiGuarded(404)
  @ApiOkResponse({ standardSchema: buildDetail })
  get(@Param({ schema: buildParams }) params: { id: string }): Promise<BuildDetail> {
    return this.builds.get(params.id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireAccess(ACCESS.admin)
  @ApiOperation({ summary: 'Queue the failed steps of a build again with fresh attempts (admin)' })
  @ApiGuarded(404, 409)
  @ApiAcceptedResponse({ standardSchema: buildSummary })
  retry(
    @Param({ schema: buildParams }) params: { id: string },
    @Req() req: AuthenticatedRequest,
  ): Promise<BuildSummary> {
    return this.builds.retry(params.id, req.principal.subject);
  }
}
