import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { RESOURCES, type Module } from '@kmm-hub/api';
import { BUILTIN_RESOURCES, KubeApiError, WorkQueue, isNotFound } from '@kmm-hub/kube';
import { canonicalJson } from '@kmm-hub/manifestwork';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { SpokeNodes } from '../clusters/spoke-nodes.service.js';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { ModuleCaches } from './module-caches.service.js';
import { isRelevantNodeChange, moduleKey, moduleKeysForNode, parseModuleKey } from './module.mapper.js';
import { moduleKeyOfDaemonSet, planModuleWorkloads } from './plan-module-workloads.js';
import { specHashOf } from './render-workloads.js';

const { Module: M } = RESOURCES;

/**
 * Turns Modules into DaemonSets (KMM's "Kernel module deployment",
 * https://docs.openshift.com/container-platform/4.12/hardware_enablement/kmm-kernel-module-management.html; the
 * reconciliation loop run by the agent instead of a spoke KMM operator): per Module, plan from the caches
 * (`planModuleWorkloads`), server-side apply the DaemonSets whose spec hash changed, delete the ones no kernel needs,
 * and write `status.moduleLoader` / `status.devicePlugin` when they changed. Triggered by Module events, by its
 * DaemonSets' events (their status drives the counts and the device plugin gate) and by Node label, taint or kernel
 * changes of the nodes it selects. DaemonSets carry an owner reference to the Module for the garbage collector; the
 * agent also deletes them itself when the Module is gone.
 */
@Injectable()
export class ModuleReconciler implements BeforeApplicationShutdown {
  private readonly queue: WorkQueue<string>;
  /** Last problems logged per Module, so each is logged once; entries go with their Module. */
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly caches: ModuleCaches,
    private readonly nodes: SpokeNodes,
    private readonly spoke: SpokeClient,
    @Inject(SPOKE_CONFIG) private readonly config: SpokeConfig,
    @InjectPinoLogger(ModuleReconciler.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new WorkQueue<string>({
      concurrency: 4,
      handler: (key) => this.reconcile(key),
      backoff: { baseMs: 250, maxMs: config.MAX_BACKOFF_SECONDS * 1000 },
      onError: (module, err, retryInMs) => {
        const fields = { module, retryInMs, err };
        if (err instanceof KubeApiError && !err.transient)
          this.logger.error(fields, 'Module reconcile failed: request rejected');
        else this.logger.warn(fields, 'Module reconcile failed, retrying');
      },
    });
    const onModule = (m: Module) => this.queue.add(moduleKey(m));
    caches.modules.on('add', onModule).on('update', onModule).on('delete', onModule);
    const onDaemonSet = (ds: Parameters<typeof moduleKeyOfDaemonSet>[0]) => {
      const key = moduleKeyOfDaemonSet(ds);
      if (key !== undefined) this.queue.add(key);
    };
    caches.daemonSets.on('add', onDaemonSet).on('update', onDaemonSet).on('delete', onDaemonSet);
    const onNode = (node: V1Node, old?: V1Node) => {
      if (!isRelevantNodeChange(node, old)) return;
      for (const key of moduleKeysForNode(caches.modules.list(), node, old)) this.queue.add(key);
    };
    nodes.informer
      .on('add', (n) => onNode(n))
      .on('update', onNode)
      .on('delete', (n) => onNode(n));
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    if (!this.caches.hasSynced() || !this.nodes.informer.hasSynced()) return { requeueAfterMs: 500 };
    const { namespace, name } = parseModuleKey(key);
    const module = this.caches.modules.get(name, namespace);
    const owned = this.caches.daemonSetsOf(namespace, name);
    if (module === undefined || module.metadata.deletionTimestamp) {
      for (const ds of owned) await this.deleteDaemonSet(namespace, ds.metadata?.name ?? '', key);
      this.problems.delete(key);
      return {};
    }
    const plan = planModuleWorkloads({
      module,
      nodes: this.nodes.list(),
      daemonSets: owned,
      agentNamespace: this.config.AGENT_NAMESPACE,
      defaultServiceAccounts: {
        moduleLoader: this.config.MODULE_LOADER_SERVICE_ACCOUNT,
        devicePlugin: this.config.DEVICE_PLUGIN_SERVICE_ACCOUNT,
      },
    });
    const live = new Map(owned.map((ds) => [ds.metadata?.name ?? '', ds]));
    for (const ds of plan.apply) {
      const dsName = ds.metadata?.name ?? '';
      if (specHashOf(live.get(dsName) ?? {}) === specHashOf(ds)) continue;
      await this.spoke.applier.apply(ds);
      this.logger.info({ module: key, daemonSet: dsName }, 'applied DaemonSet');
    }
    for (const dsName of plan.delete) await this.deleteDaemonSet(namespace, dsName, key);

    const problems = plan.problems.join('; ');
    if (problems !== (this.problems.get(key) ?? '')) {
      if (problems !== '') this.logger.warn({ module: key, problems: plan.problems }, 'some kernels cannot be served');
      this.problems.set(key, problems);
    }

    const current = { moduleLoader: module.status?.moduleLoader, devicePlugin: module.status?.devicePlugin };
    if (canonicalJson(current) !== canonicalJson(plan.status)) {
      await this.spoke.resource<Module>(M).mergePatchStatus(
        name,
        {
          status: { moduleLoader: plan.status.moduleLoader ?? null, devicePlugin: plan.status.devicePlugin ?? null },
        },
        { namespace },
      );
      this.logger.debug({ module: key, status: plan.status }, 'wrote Module status');
    }
    return {};
  }

  private async deleteDaemonSet(namespace: string, name: string, module: string): Promise<void> {
    try {
      await this.spoke.resource(BUILTIN_RESOURCES.DaemonSet).delete(name, { namespace });
      this.logger.info({ module, daemonSet: name }, 'deleted DaemonSet');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }
}
