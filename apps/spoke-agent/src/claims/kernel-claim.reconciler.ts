import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { CLUSTER_CLAIMS, RESOURCES, type ClusterClaim } from '@kmm-hub/api';
import { renderKernelClaim, type KernelClaim } from '@kmm-hub/kernel';
import { WorkQueue, isNotFound } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SpokeClient } from '../clusters/cluster-clients.js';
import { SpokeNodes } from '../clusters/spoke-nodes.service.js';
import { ClusterClaims } from './cluster-claims.service.js';
import { isKernelChange, isKernelClaim, nodeKernel } from './kernel-claim.mapper.js';

const KEY = 'kernel-versions';

/**
 * Keeps the ClusterClaim `kernel-versions.kmm.node.kubernetes.io` equal to the spoke's node kernels (upstream
 * NodeKernelClusterClaim, kubernetes-sigs/kernel-module-management internal/controllers/node_kernel_clusterclaim.go):
 * triggered by Node adds, deletes and kernel changes and by any event on
 * the claim itself, so a claim someone edits or deletes heals. Written only when the value differs; deleted when
 * no node reports a kernel (the CRD forbids an empty value). Kernels cut to fit OCM's limit are logged and
 * published through `lastClaim` for the standalone ManagedCluster status.
 */
@Injectable()
export class KernelClaimReconciler implements BeforeApplicationShutdown {
  private readonly queue: WorkQueue<typeof KEY>;
  private readonly listeners: ((claim: KernelClaim) => void)[] = [];
  private last: KernelClaim | undefined;

  constructor(
    private readonly nodes: SpokeNodes,
    private readonly claims: ClusterClaims,
    private readonly spoke: SpokeClient,
    @InjectPinoLogger(KernelClaimReconciler.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new WorkQueue({
      concurrency: 1,
      handler: () => this.reconcile(),
      backoff: { baseMs: 250, maxMs: 30_000 },
      onError: (_key, err, retryInMs) =>
        this.logger.warn(
          { claim: CLUSTER_CLAIMS.kernelVersions, retryInMs, err },
          'kernel claim update failed, retrying',
        ),
    });
    const enqueue = () => this.queue.add(KEY);
    nodes.informer
      .on('add', enqueue)
      .on('delete', enqueue)
      .on('update', (node: V1Node, old?: V1Node) => {
        if (isKernelChange(node, old)) enqueue();
      });
    const onClaim = (claim: ClusterClaim) => {
      if (isKernelClaim(claim)) enqueue();
    };
    claims.informer.on('add', onClaim).on('update', onClaim).on('delete', onClaim);
  }

  /** The claim as last computed, with what was cut; undefined before the first reconcile. */
  get lastClaim(): KernelClaim | undefined {
    return this.last;
  }

  onChange(listener: (claim: KernelClaim) => void): void {
    this.listeners.push(listener);
  }

  async reconcile(): Promise<{ requeueAfterMs?: number }> {
    if (!this.nodes.informer.hasSynced() || !this.claims.informer.hasSynced()) return { requeueAfterMs: 500 };
    const claim = renderKernelClaim(this.nodes.list().map(nodeKernel));
    const current = this.claims.get(CLUSTER_CLAIMS.kernelVersions);
    const name = CLUSTER_CLAIMS.kernelVersions;
    if (claim.kernels.length === 0) {
      if (current !== undefined) {
        await this.spoke
          .resource(RESOURCES.ClusterClaim)
          .delete(name)
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        this.logger.info({ claim: name }, 'deleted the kernel claim: no node reports a kernel');
      }
    } else if (current?.spec?.value !== claim.value) {
      await this.spoke.applier.apply({
        apiVersion: RESOURCES.ClusterClaim.apiVersion,
        kind: RESOURCES.ClusterClaim.kind,
        metadata: { name },
        spec: { value: claim.value },
      });
      this.logger.info({ claim: name, kernels: claim.kernels }, 'updated the kernel claim');
    }
    const changed = JSON.stringify(this.last) !== JSON.stringify(claim);
    if (changed && claim.omitted.length > 0) {
      this.logger.warn(
        { claim: name, kept: claim.kernels.length, omitted: claim.omitted },
        'node kernels exceed the 1024-character claim limit; the least used ones are left out',
      );
    }
    this.last = claim;
    if (changed) for (const listener of this.listeners) listener(claim);
    return {};
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }
}
