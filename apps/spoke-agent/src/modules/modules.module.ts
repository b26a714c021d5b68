import { Module } from '@nestjs/common';
import { ModuleCaches } from './module-caches.service.js';
import { ModuleReconciler } from './module.reconciler.js';
import { NodeKernelLabelReconciler } from './node-kernel-label.reconciler.js';
import { NodeModuleLabelsReconciler } from './node-module-labels.reconciler.js';

/**
 * Module → module-loader DaemonSets per kernel and a device-plugin DaemonSet, and the node labels upstream KMM sets
 * for them; off when a real KMM runs.
 */
@Module({
  providers: [ModuleCaches, ModuleReconciler, NodeKernelLabelReconciler, NodeModuleLabelsReconciler],
  exports: [ModuleCaches],
})
export class ModulesModule {}
