// What a cluster already runs, read back from its ManifestWork, so that a registry that is slow or failing never
// unpublishes a kernel (publish what is ready, and keep what was applied).
import type { ManifestWork, Module } from '@kmm-hub/api';
import { isDigest, withDigest } from '@kmm-hub/image-reference';

/** Kernel → pinned image the ManifestWork publishes now (literal mappings with `repo@sha256:…`). */
export function publishedImages(mw: ManifestWork | undefined): Map<string, string> {
  const module = mw?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
  const images = new Map<string, string>();
  for (const m of module?.spec?.moduleLoader?.container.kernelMappings ?? []) {
    if (m.literal && m.containerImage?.includes('@')) images.set(m.literal, m.containerImage);
  }
  return images;
}

/**
 * The digest of a published image, if it pins the repository `image` names now: a mapping moved to another
 * repository must not get the old repository's digest while its new image is checked.
 */
export function keptDigest(pinned: string | undefined, image: string): string | undefined {
  const digest = pinned?.slice(pinned.lastIndexOf('@') + 1);
  if (!pinned || !digest || !isDigest(digest)) return undefined;
  try {
    return withDigest(image, digest) === pinned ? digest : undefined;
  } catch {
    return undefined; // an image reference that does not parse pins nothing
  }
}
