import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { BuildJobsService } from './build-jobs.service.js';
import { listQuery, nameParams, type ListQuery } from './dto/common.dto.js';
import {
  clusterDetail,
  clusterPage,
  fleet as fleetSchema,
  moduleDetail,
  modulePage,
  type ClusterDetail,
  type FleetView,
  type ModuleDetail,
} from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';
import { OidcGuard } from '../auth/oidc.guard.js';
import type { ClusterSummary, ModuleSummary } from './dto/fleet.dto.js';
import type { Page } from './paginate.js';

@ApiTags('fleet')
@ApiGuarded()
@UseGuards(OidcGuard)
@Controller(API_PREFIX)
export class FleetController {
  constructor(
    private readonly fleet: FleetService,
    private readonly builds: BuildJobsService,
  ) {}

  @Get('fleet')
  @ApiOperation({ summary: 'Totals and the clusters × modules matrix' })
  @ApiOkResponse({ standardSchema: fleetSchema })
  async getFleet(): Promise<FleetView> {
    const model = this.fleet.model();
    return { totals: { ...model.totals, builds: await this.builds.totals() }, matrix: model.matrix };
  }

  @Get('modules')
  @ApiOperation({ summary: 'ManagedClusterModules, by name' })
  @ApiOkResponse({ standardSchema: modulePage })
  listModules(@Query({ schema: listQuery }) query: ListQuery): Page<ModuleSummary> {
    return this.fleet.modules(query.limit, query.cursor);
  }

  @Get('modules/:name')
  @ApiOperation({ summary: 'One module: per selected cluster and kernel, image, digest, state, errors, apply state' })
  @ApiGuarded(404)
  @ApiOkResponse({ standardSchema: moduleDetail })
  getModule(@Param({ schema: nameParams }) params: { name: string }): ModuleDetail {
    return this.fleet.module(params.name);
  }

  @Get('clusters')
  @ApiOperation({ summary: 'Managed clusters, by name' })
  @ApiOkResponse({ standardSchema: clusterPage })
  listClusters(@Query({ schema: listQuery }) query: ListQuery): Page<ClusterSummary> {
    return this.fleet.clusters(query.limit, query.cursor);
  }

  @Get('clusters/:name')
  @ApiOperation({ summary: 'One cluster: labels, availability, kernels, and the modules targeting it' })
  @ApiGuarded(404)
  @ApiOkResponse({ standardSchema: clusterDetail })
  getCluster(@Param({ schema: nameParams }) params: { name: string }): ClusterDetail {
    return this.fleet.cluster(params.name);
  }
}
