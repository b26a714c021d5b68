// What the hub controller does with one kernel's image, decided from what the registry check said so far: use the
// answer as it is, keep the digest the cluster already runs, or hand the image to the build/sign pipeline.
import { keptDigest } from './kept-digest.js';
import type { ImageFinding } from './plan-cluster-delivery.js';

/** A registry check's answer as the controller peeks at it; `checking`: asked in the background, nothing known yet. */
export type ImageLookup =
  { kind: 'present'; digest: string } | { kind: 'absent' } | { kind: 'error'; message: string } | { kind: 'checking' };

export type ImageFindingStep =
  /** The finding as it is; the pipeline is not asked. */
  | { kind: 'finding'; finding: ImageFinding }
  /**
   * The image is there, but built or signed images are asked for anyway (the job id hashes every input, so a changed
   * Dockerfile, build arg or key means a new job); the pipeline's answer goes into `finding.rebuild`.
   * `presentDigest` only when the registry itself just answered: a kept digest is what the cluster runs, which may
   * predate a push.
   */
  | { kind: 'rebuild'; finding: Extract<ImageFinding, { kind: 'present' }>; presentDigest?: string }
  /** Absent and built or signed here: the pipeline's progress is the finding. */
  | { kind: 'pipeline' };

export interface ImageFindingInput {
  /** The mapping's image, as rendered. */
  image: string;
  lookup: ImageLookup;
  /** The pinned image the cluster's ManifestWork publishes for this kernel now, if any. */
  published: string | undefined;
  /** The mapping has build or sign. */
  buildsOrSigns: boolean;
  /** This hub has an image pipeline. */
  pipeline: boolean;
}

export function planImageFinding(input: ImageFindingInput): ImageFindingStep {
  const { lookup, image } = input;
  // A failing or slow registry must not unpublish a kernel: keep the digest the cluster already runs.
  const kept = lookup.kind === 'error' || lookup.kind === 'checking' ? keptDigest(input.published, image) : undefined;
  if (kept !== undefined || lookup.kind === 'present') {
    const finding: Extract<ImageFinding, { kind: 'present' }> =
      kept !== undefined
        ? { kind: 'present', digest: kept, ...(lookup.kind === 'error' && { recheckError: lookup.message }) }
        : { kind: 'present', digest: (lookup as { digest: string }).digest };
    if (!input.pipeline || !input.buildsOrSigns) return { kind: 'finding', finding };
    return { kind: 'rebuild', finding, ...(lookup.kind === 'present' && { presentDigest: lookup.digest }) };
  }
  if (lookup.kind === 'error' || lookup.kind === 'checking') return { kind: 'finding', finding: lookup };
  if (!input.buildsOrSigns) return { kind: 'finding', finding: { kind: 'missing' } };
  if (!input.pipeline) {
    return {
      kind: 'finding',
      finding: { kind: 'error', message: `image ${image} must be built, but no image pipeline is configured` },
    };
  }
  return { kind: 'pipeline' };
}
