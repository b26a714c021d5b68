import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RESOURCES, type PreflightModuleStatus, type PreflightValidation } from '@kmm-hub/api';
import { Informer, KubeHttp, ResourceClient, WorkQueue, isNotFound, resourcePath } from '@kmm-hub/kube';
import { canonicalJson } from '@kmm-hub/manifestwork';
import { VERIFICATION_STAGE, VERIFICATION_STATUS, planPreflight, preflightEntry } from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { EventRecorderService } from '../controller/event-recorder.service.js';
import { ManagedClusterModuleReconciler } from '../controller/managed-cluster-module.reconciler.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { IMAGE_PIPELINE, type ImagePipeline } from '../images/image-pipeline.js';
import { KernelImageService } from './kernel-image.service.js';

/** How often a process that does not lead looks again whether it leads now. */
const FOLLOWER_RECHECK_MS = 2_000;

/**
 * PreflightValidation → status per (ManagedClusterModule, kernel): upstream's
 * internal/controllers/preflightvalidation_reconciler.go for a fleet. Runs while this process leads the MCM
 * controller's Lease; reads MCMs from the shared caches, looks images up, and (pushBuiltImage) builds and signs
 * through the image pipeline. Entries still in progress are looked at again every RECHECK_INTERVAL_S, and at once
 * when an image job settles.
 */
@Injectable()
export class PreflightValidationReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PreflightValidationReconciler.name);
  private readonly informer: Informer<PreflightValidation>;
  private readonly client: ResourceClient<PreflightValidation>;
  private readonly queue: WorkQueue<string>;

  constructor(
    http: KubeHttp,
    private readonly caches: HubCacheService,
    private readonly kernelImages: KernelImageService,
    private readonly controller: ManagedClusterModuleReconciler,
    private readonly events: EventRecorderService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {
    this.informer = new Informer<PreflightValidation>(http, {
      path: resourcePath(RESOURCES.PreflightValidation),
      // A hub whose CRDs predate PreflightValidation keeps working without preflight.
      optional: { retryMs: 60_000 },
    });
    this.client = new ResourceClient<PreflightValidation>(http, RESOURCES.PreflightValidation);
    this.queue = new WorkQueue<string>({
      concurrency: 2,
      handler: (name) => this.reconcile(name),
      onError: (name, err, retryInMs) =>
        this.logger.warn({ preflight: name, retryInMs, err: String(err) }, 'preflight reconcile failed, retrying'),
    });
  }

  onApplicationBootstrap(): void {
    const all = () => this.informer.list().forEach((p) => this.queue.add(p.metadata.name ?? ''));
    for (const ev of ['add', 'update'] as const) {
      this.informer.on(ev, (pfv, old) => {
        // Our own status writes come back as updates: only a spec change (or a new object) needs a pass.
        if (ev === 'update' && old?.metadata.generation === pfv.metadata.generation) return;
        this.queue.add(pfv.metadata.name ?? '');
      });
      this.caches.managedClusterModules.on(ev, (mcm, old) => {
        if (ev === 'update' && old?.metadata.generation === mcm.metadata.generation) return;
        all();
      });
      this.caches.configMaps.on(ev, all);
      this.caches.secrets.on(ev, all);
    }
    this.caches.managedClusterModules.on('delete', all);
    this.pipeline?.onSettled(all);
    this.informer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.stop();
    await this.informer.stop();
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    if (!this.controller.isLeader) return { requeueAfterMs: FOLLOWER_RECHECK_MS };
    await this.caches.synced();
    await this.informer.synced;
    const pfv = this.informer.get(name);
    if (!pfv) return;
    const plan = planPreflight(pfv, this.caches.managedClusterModules.list());
    const generation = pfv.metadata.generation;
    if (!plan.ok) {
      // As for an invalid ManagedClusterModule: a Warning Event beside the status (repeats are held back).
      const involved = { ...pfv, apiVersion: RESOURCES.PreflightValidation.apiVersion, kind: 'PreflightValidation' };
      await this.events.record(involved, 'Warning', 'InvalidSpec', plan.reason);
      await this.writeStatus(pfv, {
        ...(generation !== undefined && { observedGeneration: generation }),
        message: plan.reason,
        modules: [],
      });
      return;
    }
    const previous = new Map((pfv.status?.modules ?? []).map((m) => [`${m.name}\0${m.kernelVersion}`, m]));
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const build = pfv.spec?.pushBuiltImage === true;
    const modules = await Promise.all(
      plan.items.map(async (item) =>
        preflightEntry(
          item,
          await this.kernelImages.outlook(item, { build }),
          previous.get(`${item.mcm.metadata.name ?? ''}\0${item.kernel}`),
          now,
        ),
      ),
    );
    await this.writeStatus(pfv, { ...(generation !== undefined && { observedGeneration: generation }), modules });
    const unsettled = modules.some(
      (m) =>
        m.verificationStatus === VERIFICATION_STATUS.InProgress ||
        (m.verificationStatus === VERIFICATION_STATUS.Failure && m.verificationStage === VERIFICATION_STAGE.Image),
    );
    if (unsettled) return { requeueAfterMs: this.config.RECHECK_INTERVAL_S * 1000 };
  }

  private async writeStatus(
    pfv: PreflightValidation,
    status: { observedGeneration?: number; message?: string; modules: PreflightModuleStatus[] },
  ): Promise<void> {
    const current = pfv.status ?? {};
    if (canonicalJson(status) === canonicalJson({ modules: [], ...current })) return;
    const name = pfv.metadata.name ?? '';
    try {
      // A merge patch replaces the modules list whole; message is removed once the spec can be checked.
      await this.client.mergePatchStatus(name, { status: { message: null, ...status } });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.logger.log({ preflight: name, modules: status.modules.length }, 'PreflightValidation status written');
  }
}
