import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ManagedClusterModule, ManifestWork } from '@kmm-hub/api';
import { publishedImages } from '@kmm-hub/manifestwork';
import {
  imageRequestOf,
  planImageFinding,
  type ImageFinding,
  type KernelTargets,
  type PipelineProgress,
} from '@kmm-hub/planner';
import type { ResolvedKernelMapping } from '@kmm-hub/kernel';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { IMAGE_PIPELINE, type ImagePipeline, type ImageProgress, type ImageRequest } from '../images/image-pipeline.js';
import { ImageTrackerService } from './image-tracker.service.js';
import type { ReconcileKey } from './reconcile-keys.js';

/**
 * Finds the image of every targeted kernel of one (MCM, cluster): from the image tracker's cached registry answers
 * (without waiting for registries: `key` is woken when a check lands), and hands absent images that have build or
 * sign to the image pipeline.
 */
@Injectable()
export class ClusterImageFinder {
  constructor(
    private readonly caches: HubCacheService,
    private readonly images: ImageTrackerService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {}

  async find(
    mcm: ManagedClusterModule,
    targets: KernelTargets,
    key: ReconcileKey,
    current?: ManifestWork,
  ): Promise<Map<string, ImageFinding>> {
    const findings = new Map<string, ImageFinding>();
    if (!targets.ok) return findings;
    const pullSecret = mcm.spec?.moduleSpec?.imageRepoSecret?.name;
    const published = publishedImages(current);
    await Promise.all(
      targets.targets.map(async ({ kernel, resolution }) => {
        if (!resolution.ok) return;
        const m = resolution.mapping;
        const step = planImageFinding({
          image: m.containerImage,
          lookup: this.images.peek(m.containerImage, m.registryTLS, pullSecret, key),
          published: published.get(kernel),
          buildsOrSigns: Boolean(m.build || m.sign),
          pipeline: this.pipeline !== undefined,
        });
        if (step.kind === 'finding') return findings.set(kernel, step.finding);
        if (!this.pipeline) return findings; // planImageFinding asks for the pipeline only when there is one
        if (step.kind === 'rebuild') {
          const rebuild = await this.pipeline.request({
            ...this.imageRequest(mcm, kernel, m),
            ...(step.presentDigest !== undefined && { presentDigest: step.presentDigest }),
          });
          return findings.set(kernel, { ...step.finding, rebuild: pick(rebuild) });
        }
        const progress = await this.pipeline.request(this.imageRequest(mcm, kernel, m));
        return findings.set(kernel, { kind: 'pipeline', ...pick(progress) });
      }),
    );
    return findings;
  }

  private imageRequest(mcm: ManagedClusterModule, kernel: string, m: ResolvedKernelMapping): ImageRequest {
    return imageRequestOf(mcm, kernel, m, this.caches.inputResourceVersion);
  }
}

function pick(p: ImageProgress): PipelineProgress {
  return {
    state: p.state,
    attempts: p.attempts,
    ...(p.lastError && { lastError: p.lastError }),
    ...(p.note && { note: p.note }),
  };
}
