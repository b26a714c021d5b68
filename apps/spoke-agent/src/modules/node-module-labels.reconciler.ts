import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, WorkQueue } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { SpokeNodes } from '../clusters/spoke-nodes.service.js';
import { ModuleCaches } from './module-caches.service.js';
import { planNodeModuleLabels } from './plan-node-module-labels.js';

/**
 * Keeps upstream KMM's per-Module node labels: `kmm.node.kubernetes.io/<namespace>.<module>.ready` and
 * `….device-plugin-ready` equal to what the kubelet reports for this agent's module-loader and device-plugin pods on
 * each node (upstream sets the first from its NodeModulesConfig status, internal/controllers/nmc_reconciler.go
 * `UpdateNodeLabels`, and the second from the device-plugin pod, internal/controllers/pod_node_label_reconciler.go),
 * and `….device-plugin-target` on the schedulable nodes a Module with a device plugin selects; and moves the
 * ordered-upgrade labels `beta.kmm.node.kubernetes.io/version-module-loader.<namespace>.<module>` and
 * `….version-device-plugin.…` one step behind the admin's `kmm.node.kubernetes.io/version-module.<namespace>.<module>`
 * (upstream KMM v1.1 controllers/node_label_module_version_reconciler.go). Keyed by node: a pod
 * event queues its node, a node event the node itself (someone may have edited its labels), a Module event every
 * node. One merge patch of only those labels, only when they differ.
 */
@Injectable()
export class NodeModuleLabelsReconciler implements BeforeApplicationShutdown {
  private readonly queue: WorkQueue<string>;

  constructor(
    private readonly caches: ModuleCaches,
    private readonly nodes: SpokeNodes,
    private readonly spoke: SpokeClient,
    @InjectPinoLogger(NodeModuleLabelsReconciler.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new WorkQueue<string>({
      concurrency: 2,
      handler: (node) => this.reconcile(node),
      backoff: { baseMs: 250, maxMs: 30_000 },
      onError: (node, err, retryInMs) =>
        this.logger.warn({ node, retryInMs, err }, 'node Module label update failed, retrying'),
    });
    const onPod = (pod: V1Pod, old?: V1Pod) => {
      for (const name of new Set([pod.spec?.nodeName, old?.spec?.nodeName])) if (name) this.queue.add(name);
    };
    caches.pods
      .on('add', (p) => onPod(p))
      .on('update', onPod)
      .on('delete', (p) => onPod(p));
    const onNode = (node: V1Node) => this.queue.add(node.metadata?.name ?? '');
    nodes.informer.on('add', onNode).on('update', onNode);
    // A Module's selector, tolerations or device plugin decide its device-plugin-target label on every node.
    const onModule = () => {
      for (const node of nodes.list()) onNode(node);
    };
    caches.modules.on('add', onModule).on('update', onModule).on('delete', onModule);
  }

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    if (!this.caches.pods.hasSynced() || !this.caches.modules.hasSynced() || !this.nodes.informer.hasSynced()) {
      return { requeueAfterMs: 500 };
    }
    const node = this.nodes.informer.get(name);
    if (node === undefined) return {};
    const patch = planNodeModuleLabels(node, this.caches.pods.list(), this.caches.modules.list());
    if (patch === undefined) return {};
    await this.spoke.resource<V1Node>(BUILTIN_RESOURCES.Node).mergePatch(name, { metadata: { labels: patch } });
    this.logger.info({ node: name, labels: patch }, 'updated the node Module labels');
    return {};
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }
}
