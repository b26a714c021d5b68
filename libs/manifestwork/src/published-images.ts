// What a cluster already runs, decoded from the ManifestWork the hub wrote for it: the planner keeps these while a
// registry is slow or failing, so a kernel is never unpublished (publish what is ready, and keep what was applied).
import type { ManifestWork, Module } from '@kmm-hub/api';

/** Kernel → pinned image the ManifestWork publishes now (literal mappings with `repo@sha256:…`). */
export function publishedImages(mw: ManifestWork | undefined): Map<string, string> {
  const module = mw?.spec?.workload?.manifests?.[0] as unknown as Module | undefined;
  const images = new Map<string, string>();
  for (const m of module?.spec?.moduleLoader?.container.kernelMappings ?? []) {
    if (m.literal && m.containerImage?.includes('@')) images.set(m.literal, m.containerImage);
  }
  return images;
}
