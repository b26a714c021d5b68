import { Module } from '@nestjs/common';
import { ModuleCaches } from './module-caches.service.js';
import { ModuleReconciler } from './module.reconciler.js';
import { NodeKernelLabelReconciler } from './node-kernel-label.reconciler.js';

/** Module → module-loader DaemonSets per kernel and a device-plugin DaemonSet; off when a real KMM runs. */
@Module({ providers: [ModuleCaches, ModuleReconciler, NodeKernelLabelReconciler], exports: [ModuleCaches] })
export class ModulesModule {}
