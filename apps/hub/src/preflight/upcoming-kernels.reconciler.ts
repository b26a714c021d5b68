import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  RESOURCES,
  UPCOMING_KERNELS_CONFIGMAP,
  findKernelIssue,
  type ManagedClusterModule,
  type UpcomingKernelStatus,
} from '@kmm-hub/api';
import { KubeHttp, ResourceClient, WorkQueue, isNotFound } from '@kmm-hub/kube';
import { canonicalJson } from '@kmm-hub/manifestwork';
import { parseUpcomingKernels, planUpcomingKernels } from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { IMAGE_PIPELINE, type ImagePipeline } from '../images/image-pipeline.js';
import { KernelImageService } from './kernel-image.service.js';

const FOLLOWER_RECHECK_MS = 2_000;
const SETTLED = new Set<UpcomingKernelStatus['state']>(['Ready', 'Unmapped', 'Missing']);

/**
 * Upcoming kernels: per ManagedClusterModule, the kernels of its `spec.upcomingKernels` and of the hub-wide
 * ConfigMap kmm-hub-upcoming-kernels get their images checked, built and signed ahead of time, and
 * `status.upcomingKernels` says how far each is. The status is written with a merge patch of that one field, so
 * the MCM reconciler's own status (server-side apply of every other field) and this never overwrite each other.
 * When a cluster then reports such a kernel, the MCM reconciler finds the image in its registry and pins it with no
 * build in between.
 */
@Injectable()
export class UpcomingKernelsReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UpcomingKernelsReconciler.name);
  private readonly client: ResourceClient<ManagedClusterModule>;
  private readonly queue: WorkQueue<string>;

  constructor(
    http: KubeHttp,
    private readonly caches: HubCacheService,
    private readonly kernelImages: KernelImageService,
    private readonly controller: ManagedClusterModuleReconciler,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {
    this.client = new ResourceClient<ManagedClusterModule>(http, RESOURCES.ManagedClusterModule);
    this.queue = new WorkQueue<string>({
      concurrency: 2,
      handler: (name) => this.reconcile(name),
      onError: (name, err, retryInMs) =>
        this.logger.warn({ mcm: name, retryInMs, err: String(err) }, 'upcoming kernels reconcile failed, retrying'),
    });
  }

  onApplicationBootstrap(): void {
    const all = () => this.caches.managedClusterModules.list().forEach((m) => this.queue.add(m.metadata.name ?? ''));
    for (const ev of ['add', 'update'] as const) {
      this.caches.managedClusterModules.on(ev, (mcm, old) => {
        if (ev === 'update' && old?.metadata.generation === mcm.metadata.generation) return;
        this.queue.add(mcm.metadata.name ?? '');
      });
      this.caches.configMaps.on(ev, all);
      this.caches.secrets.on(ev, all);
    }
    this.caches.configMaps.on('delete', all);
    this.pipeline?.onSettled(all);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.stop();
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    if (!this.controller.isLeader) return { requeueAfterMs: FOLLOWER_RECHECK_MS };
    await this.caches.synced();
    const mcm = this.caches.managedClusterModules.get(name);
    if (!mcm) return;
    const configMap = this.caches.configMaps.get(UPCOMING_KERNELS_CONFIGMAP.name, this.config.HUB_NAMESPACE);
    const hubWide = parseUpcomingKernels(configMap?.data?.[UPCOMING_KERNELS_CONFIGMAP.key]).filter(
      (k) => findKernelIssue(k) === undefined,
    );
    const spec = (mcm.spec?.upcomingKernels ?? []).filter((k) => findKernelIssue(k) === undefined);
    const items = planUpcomingKernels({ ...mcm, spec: { ...mcm.spec!, upcomingKernels: spec } }, hubWide);
    const entries: UpcomingKernelStatus[] = await Promise.all(
      items.map(async (item) => {
        const { checkFailed: _checkFailed, ...outlook } = await this.kernelImages.outlook(item, { build: true });
        return { kernel: item.kernel, ...outlook };
      }),
    );
    const current = mcm.status?.upcomingKernels ?? [];
    if (canonicalJson(entries) !== canonicalJson(current)) {
      try {
        await this.client.mergePatchStatus(name, { status: { upcomingKernels: entries.length > 0 ? entries : null } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      this.logger.log({ mcm: name, kernels: entries.length }, 'upcoming kernels status written');
    }
    if (entries.some((e) => !SETTLED.has(e.state))) return { requeueAfterMs: this.config.RECHECK_INTERVAL_S * 1000 };
  }
}
