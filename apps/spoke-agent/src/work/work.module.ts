import { Module } from '@nestjs/common';
import { AppliedResourceRemover } from './applied-resource-remover.js';
import { ManifestWorkReconciler } from './manifest-work.reconciler.js';
import { ResourceApplier } from './resource-applier.js';
import { WorkAgentService } from './work-agent.service.js';
import { WorkCaches } from './work-caches.service.js';

/** The OCM work agent subset: applies this cluster's ManifestWorks and reports their status to the hub. */
@Module({
  providers: [WorkCaches, ResourceApplier, AppliedResourceRemover, ManifestWorkReconciler, WorkAgentService],
  exports: [WorkCaches, ManifestWorkReconciler, WorkAgentService],
})
export class WorkModule {}
