import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import { RESOURCES, type ManagedCluster } from '@kmm-hub/api';
import { canonicalJson } from '@kmm-hub/manifestwork';
import { BUILTIN_RESOURCES, WorkQueue, isNotFound } from '@kmm-hub/kube';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { HubClient, SpokeClient } from '../clusters/cluster-clients.js';
import { SPOKE_CONFIG } from '../config/config.module.js';
import type { SpokeConfig } from '../config/config.schema.js';
import { ClusterClaims } from './cluster-claims.service.js';
import { CLUSTER_LEASE_NAME } from './cluster-conditions.js';
import { KernelClaimReconciler } from './kernel-claim.reconciler.js';
import { planManagedClusterStatus } from './plan-managed-cluster-status.js';

const KEY = 'cluster';

/** A Lease as sent: renewTime is an RFC 3339 string with microseconds, which V1Lease models as a Date. */
type LeaseJson = KubernetesObject & { spec?: Record<string, unknown> };

/** OCM marks the cluster unavailable only after the spoke API server failed this long. */
const UNAVAILABLE_AFTER_MS = 20_000;
const { ManagedCluster: MC } = RESOURCES;

/** metav1.MicroTime: six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Standalone mode, when no klusterlet runs: does the registration agent's share that the hub relies on
 * (open-cluster-management-io/ocm pkg/registration/spoke/lease/lease_controller.go and
 * pkg/registration/spoke/managedcluster/). It renews Lease `managed-cluster-lease` in the cluster's hub namespace every
 * `leaseDurationSeconds`, and keeps ManagedCluster.status current: Joined and Available conditions, version, and
 * the spoke's ClusterClaims (so the hub reads the kernel claim), written only when something changed. Triggered
 * by claim changes and every CLUSTER_STATUS_SECONDS. The ManagedCluster and its namespace are the hub admin's
 * to create (accepting a cluster is theirs to decide); the agent only writes status.
 */
@Injectable()
export class ClusterRegistrationReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly queue: WorkQueue<typeof KEY>;
  private lastLeaseRenewal = 0;
  private failingSince: number | undefined;

  constructor(
    private readonly hub: HubClient,
    private readonly spoke: SpokeClient,
    private readonly claims: ClusterClaims,
    private readonly kernelClaim: KernelClaimReconciler,
    @Inject(SPOKE_CONFIG) private readonly config: SpokeConfig,
    @InjectPinoLogger(ClusterRegistrationReconciler.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new WorkQueue({
      concurrency: 1,
      handler: () => this.reconcile(),
      backoff: { baseMs: 250, maxMs: config.MAX_BACKOFF_SECONDS * 1000 },
      onError: (_key, err, retryInMs) =>
        this.logger.warn({ cluster: hub.clusterName, retryInMs, err }, 'cluster status update failed, retrying'),
    });
    const enqueue = () => this.queue.add(KEY);
    claims.informer.on('add', enqueue).on('update', enqueue).on('delete', enqueue);
    kernelClaim.onChange(enqueue);
  }

  onApplicationBootstrap(): void {
    this.queue.add(KEY);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.queue.stop();
    await this.queue.idle();
  }

  async reconcile(): Promise<{ requeueAfterMs?: number }> {
    const periodMs = this.config.CLUSTER_STATUS_SECONDS * 1000;
    if (!this.claims.informer.hasSynced()) return { requeueAfterMs: 500 };
    const name = this.hub.clusterName;
    const clusters = this.hub.resource<ManagedCluster>(MC);
    const cluster = await clusters.find(name);
    if (cluster === undefined) {
      this.logger.warn({ cluster: name }, 'the ManagedCluster does not exist on the hub; a hub admin must create it');
      return { requeueAfterMs: periodMs };
    }
    const leaseMs = (cluster.spec?.leaseDurationSeconds ?? 60) * 1000;
    const now = Date.now();
    if (now - this.lastLeaseRenewal >= leaseMs) {
      await this.renewLease(cluster.spec?.leaseDurationSeconds ?? 60, new Date(now));
      this.lastLeaseRenewal = now;
    }

    let kubernetesVersion: string | undefined;
    try {
      kubernetesVersion = (await this.spoke.http.json<{ gitVersion?: string }>('GET', '/version')).gitVersion;
      this.failingSince = undefined;
    } catch (err) {
      this.failingSince ??= now;
      this.logger.warn({ cluster: name, err }, 'the spoke API server does not answer');
    }
    const apiServerAvailable = this.failingSince === undefined || now - this.failingSince < UNAVAILABLE_AFTER_MS;
    const status = planManagedClusterStatus(
      cluster.status,
      {
        accepted: cluster.spec?.hubAcceptsClient === true,
        apiServerAvailable,
        ...(kubernetesVersion !== undefined && { kubernetesVersion }),
        claims: this.claims.list(),
        ...(this.kernelClaim.lastClaim !== undefined && { kernelClaim: this.kernelClaim.lastClaim }),
      },
      new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    if (cluster.spec?.hubAcceptsClient !== true) {
      this.logger.warn({ cluster: name }, 'the hub has not accepted the cluster (spec.hubAcceptsClient)');
    } else if (canonicalJson(status) !== canonicalJson(cluster.status ?? {})) {
      await clusters.mergePatchStatus(name, {
        metadata: { resourceVersion: cluster.metadata.resourceVersion },
        status,
      });
      this.logger.info({ cluster: name }, 'updated ManagedCluster status');
    }
    const untilRenewal = Math.max(0, this.lastLeaseRenewal + leaseMs - Date.now());
    return { requeueAfterMs: Math.min(periodMs, untilRenewal) };
  }

  /** Creates the lease when the hub has none (no OCM hub controller made one), else moves renewTime. */
  private async renewLease(leaseDurationSeconds: number, now: Date): Promise<void> {
    const namespace = this.hub.clusterName;
    const leases = this.hub.resource<LeaseJson>(BUILTIN_RESOURCES.Lease);
    const spec = { leaseDurationSeconds, renewTime: microTime(now) };
    try {
      const lease = await leases.get(CLUSTER_LEASE_NAME, { namespace });
      await leases.replace({ ...lease, spec: { ...lease.spec, ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await leases.create({ metadata: { name: CLUSTER_LEASE_NAME, namespace }, spec });
    }
  }
}
