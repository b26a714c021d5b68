import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  describeJobFailure,
  imageRequestOf,
  unmappedOutlook,
  type KernelImageItem,
  type KernelImageOutlook,
} from '@kmm-hub/planner';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ImageTrackerService } from '../controller/image-tracker.service.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { IMAGE_PIPELINE, type ImagePipeline, type ImageProgress } from '../images/image-pipeline.js';

/**
 * Where one MCM's image for one kernel stands, for kernels no cluster need run yet (preflight, upcoming kernels).
 * The image is looked up through the controller's image checks (same cache, same registry clients) and, when the
 * mapping builds or signs and `build` is allowed, requested from the image pipeline with the very request the MCM
 * reconciler sends for a cluster on that kernel: the content-hash job id is the same, so nothing is built twice.
 */
@Injectable()
export class KernelImageService {
  constructor(
    private readonly caches: HubCacheService,
    private readonly images: ImageTrackerService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() @Inject(IMAGE_PIPELINE) private readonly pipeline?: ImagePipeline,
  ) {}

  async outlook(item: KernelImageItem, options: { build: boolean }): Promise<KernelImageOutlook> {
    const unmapped = unmappedOutlook(item);
    if (unmapped !== undefined || !item.resolution.ok) return unmapped ?? { state: 'Failed' };
    const m = item.resolution.mapping;
    const image = m.containerImage;
    const pullSecret = item.mcm.spec?.moduleSpec?.imageRepoSecret?.name;
    const lookup = this.images.peek(image, m.registryTLS, pullSecret);
    const buildsOrSigns = Boolean(m.build || m.sign);
    if (lookup.kind === 'checking') return { state: 'Checking', image };
    if (lookup.kind === 'error') {
      return { state: 'Failed', image, message: `image ${image}: ${lookup.message}`, checkFailed: true };
    }
    const request = () =>
      imageRequestOf(item.mcm, item.kernel, m, this.caches.inputResourceVersion);
    if (lookup.kind === 'present') {
      if (!buildsOrSigns || !this.pipeline || !options.build) return { state: 'Ready', image, digest: lookup.digest };
      // As the MCM reconciler does: a present image of a mapping that builds or signs is asked for anyway, since a
      // changed Dockerfile, build arg or key is a new job id; the same inputs are a no-op that answers succeeded.
      const progress = await this.pipeline.request({ ...request(), presentDigest: lookup.digest });
      return this.fromProgress(image, progress, lookup.digest);
    }
    if (!buildsOrSigns) {
      return {
        state: 'Missing',
        image,
        message: `image ${image} is not in its registry, and its kernel mapping has neither build nor sign`,
      };
    }
    if (!this.pipeline) {
      return { state: 'Failed', image, message: `image ${image} must be built, but no image pipeline is configured` };
    }
    if (!options.build) {
      return {
        state: 'Missing',
        image,
        message: `image ${image} is not in its registry; its kernel mapping builds or signs it: set spec.pushBuiltImage to true to have the hub build, sign and push it`,
      };
    }
    return this.fromProgress(image, await this.pipeline.request(request()));
  }

  private async fromProgress(image: string, progress: ImageProgress, present?: string): Promise<KernelImageOutlook> {
    switch (progress.state) {
      case 'queued':
      case 'building':
        return { state: 'Building', image };
      case 'signing':
        return { state: 'Signing', image };
      case 'succeeded': {
        const digest = progress.digest ?? present;
        return { state: 'Ready', image, ...(digest !== undefined && { digest }) };
      }
      case 'failed': {
        const logs = (await this.pipeline?.logs(progress.jobId)) ?? [];
        return { state: 'Failed', image, message: describeJobFailure(image, progress.lastError, logs) };
      }
    }
  }
}
