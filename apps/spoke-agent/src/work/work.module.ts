import { Module } from '@nestjs/common';
import { AppliedResourceRemover } from './applied-resource-remover.js';
import { AppliedWorkService } from './applied-work.service.js';
import { ManifestWorkReconciler } from './manifest-work.reconciler.js';
import { ResourceApplier } from './resource-applier.js';
import { WorkAgentService } from './work-agent.service.js';
import { WorkApplier } from './work-applier.service.js';
import { WorkCaches } from './work-caches.service.js';
import { WorkStatusReporter } from './work-status-reporter.service.js';

/** The OCM work agent subset: applies this cluster's ManifestWorks and reports their status to the hub. */
@Module({
  providers: [
    WorkCaches,
    ResourceApplier,
    AppliedResourceRemover,
    AppliedWorkService,
    WorkApplier,
    WorkStatusReporter,
    ManifestWorkReconciler,
    WorkAgentService,
  ],
  exports: [WorkCaches, ManifestWorkReconciler, WorkAgentService],
})
export class WorkModule {}
