import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { LABELS } from '@kmm-hub/api';
import { BUILTIN_RESOURCES, WorkQueue } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { SpokeNodes } from '../clusters/spoke-nodes.service.js';
import { kernelLabelValue, kernelOfNode } from './node-scheduling.js';

/**
 * Keeps the node label `kmm.node.kubernetes.io/kernel-version.full` equal to the node's (normalized) kernel, as
 * KMM's node-kernel controller did for its DaemonSets: module-loader DaemonSets select their nodes by it. Merge
 * patch of that one label, only when it differs; removed when the kernel cannot be a label value.
 */
@Injectable()
export class NodeKernelLabelReconciler implements BeforeApplicationShutdown {
  private readonly queue: WorkQueue<string>;

  constructor(
    private readonly nodes: SpokeNodes,
    private readonly spoke: SpokeClient,
    @InjectPinoLogger(NodeKernelLabelReconciler.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new WorkQueue<string>({
      concurrency: 2,
      handler: (node) => this.reconcile(node),
      backoff: { baseMs: 250, maxMs: 30_000 },
      onError: (node, err, retryInMs) =>
        this.logger.warn({ node, retryInMs, err }, 'node label update failed, retrying'),
    });
    const enqueue = (node: V1Node) => this.queue.add(node.metadata?.name ?? '');
    nodes.informer.on('add', enqueue).on('update', enqueue);
  }

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    const node = this.nodes.informer.get(name);
    if (node === undefined) return {};
    const kernel = kernelOfNode(node);
    const want = kernel === '' ? undefined : kernelLabelValue(kernel);
    const have = node.metadata?.labels?.[LABELS.kernelVersionFull];
    if (want === have) return {};
    await this.spoke
      .resource<V1Node>(BUILTIN_RESOURCES.Node)
      .mergePatch(name, { metadata: { labels: { [LABELS.kernelVersionFull]: want ?? null } } });
    this.logger.info({ node: name, kernel }, 'labelled node with its kernel');
    return {};
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }
}
