import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_PREFIX, ApiGuarded } from './api-docs.js';
import { BuildJobsService } from './build-jobs.service.js';
import { listQuery, nameParams, type ListQuery } from './dto/common.dto.js';
import {
  clusterDetail,
  clusterPage,
  listClustersQuery,
  type ListClustersQuery,
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
  @ApiOperation({ summary: 'Totals, and per module its clusters by state, kernels and images' })
  @ApiOkResponse({ standardSchema: fleetSchema })
  async getFleet(): Promise<FleetView> {
    const model = this.fleet.model();
    return { totals: { ...model.totals, builds: await this.builds.cachedTotals() }, modules: model.overview };
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
  @ApiOperation({
    summary:
      'Managed clusters, page by page (`limit`, then the `nextCursor` of each page as `cursor`): by name or those needing attention first, filtered by name, label, state and module',
  })
  @ApiOkResponse({ standardSchema: clusterPage })
  listClusters(@Query({ schema: listClustersQuery }) query: ListClustersQuery): Page<ClusterSummary> & {
    total: number;
  } {
    const { limit, cursor, order, ...filter } = query;
    return this.fleet.clusters(limit, cursor, filter, order);
  }

  @Get('clusters/:name')
  @ApiOperation({ summary: 'One cluster: labels, availability, kernels, and the modules targeting it' })
  @ApiGuarded(404)
  @ApiOkResponse({ standardSchema: clusterDetail })
  getCluster(@Param({ schema: nameParams }) params: { name: string }): ClusterDetail {
    return this.fleet.cluster(params.name);
  }
}
