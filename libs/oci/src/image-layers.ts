// Reading files out of a registry image and pushing an image with one more layer. The tar, whiteout and
// manifest logic is pure (layer-tar.ts, append-layer.ts); this file only moves bytes through the client.

import { type AppendLayerOptions, type AppendedImage, appendLayerToImage } from './append-layer.js';
import { type ImageReference, formatImageReference, parseImageReference } from '@kmm-hub/image-reference';
import {
  type BuiltLayer,
  type LayerChanges,
  type LayerEntry,
  type LayerFile,
  buildLayer,
  readLayer,
  stackLayers,
} from './layer-tar.js';
import { type ImageManifest, parseImageConfig } from './manifest.js';
import { MEDIA_TYPE } from './media-types.js';
import { matchAnyGlob } from './path-glob.js';
import type { PlatformSpec } from './platform.js';
import { RegistryError } from './registry-error.js';
import type { RegistryClient } from './registry.client.js';

export interface ImageSelection {
  image: ImageReference | string;
  /** Needed when the reference names a manifest list or index. */
  platform?: string | PlatformSpec;
}

export interface ImageFiles {
  /** Digest of the image manifest the files were read from. */
  digest: string;
  /** Visible entries whose paths match the globs, by path; regular files carry their content. */
  entries: LayerEntry[];
}

/**
 * Files of an image matching any of the globs (`/opt/lib/modules/**`), as the container would see them:
 * layers stacked bottom to top with whiteouts applied. Hard links are listed with their `linkname` but without
 * content.
 */
export async function readImageFiles(
  client: RegistryClient,
  selection: ImageSelection,
  globs: readonly string[],
): Promise<ImageFiles> {
  const { image, digest, manifest } = await loadImageManifest(client, selection);
  const matches = matchAnyGlob(globs);
  const layers: LayerChanges[] = [];
  for (const layer of manifest.layers) {
    const stream = await client.getBlobStream(image.repository, layer.digest);
    try {
      layers.push(await readLayer(stream, matches));
    } catch (cause) {
      stream.destroy();
      if (cause instanceof RegistryError) throw cause;
      throw new Error(`read layer ${layer.digest} of ${formatImageReference(image)}`, { cause });
    }
  }
  const entries = [...stackLayers(layers).values()]
    .filter((entry) => entry.type !== 'directory' && matches(entry.path))
    .toSorted((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { digest, entries };
}

export interface AppendLayerRequest extends AppendLayerOptions {
  /** Base image, on the client's registry. */
  source: ImageSelection;
  /** Where to push the result, on the same registry: a tag (or a repository, then tagged by digest only). */
  target: ImageReference | string;
  files: readonly LayerFile[];
}

export interface AppendLayerResult {
  /** Digest of the pushed manifest. */
  digest: string;
  /** The target pinned to that digest. */
  pinned: string;
  image: AppendedImage;
  layer: BuiltLayer;
}

/**
 * Pushes `source` plus one top layer holding `files` to `target`. Base layers are mounted when the target is
 * another repository (copied when the registry will not mount), the new layer and config are uploaded, and the
 * OCI manifest is put last so the tag never points at missing blobs.
 */
export async function appendLayer(client: RegistryClient, request: AppendLayerRequest): Promise<AppendLayerResult> {
  const { image: source, digest: baseDigest, manifest } = await loadImageManifest(client, request.source);
  const target = typeof request.target === 'string' ? parseImageReference(request.target) : request.target;
  const config = parseImageConfig(await client.getBlob(source.repository, manifest.config.digest));
  const layer = await buildLayer(request.files);
  const appended = appendLayerToImage({ manifest, config }, layer, {
    baseName: formatImageReference({ ...source, digest: undefined }),
    baseDigest,
    ...pickOptions(request),
  });

  if (target.repository !== source.repository) {
    for (const base of manifest.layers) {
      if (!(await client.mountBlob(target.repository, base.digest, source.repository))) {
        await client.pushBlob(target.repository, await client.getBlob(source.repository, base.digest));
      }
    }
  }
  await client.pushBlob(target.repository, layer.blob);
  await client.pushBlob(target.repository, appended.configBytes);
  const pushTo = { ...target, digest: undefined };
  const digest = await client.pushManifest(pushTo, appended.manifestBytes, MEDIA_TYPE.OCI_MANIFEST);
  return {
    digest,
    pinned: formatImageReference({ registry: target.registry, repository: target.repository, digest }),
    image: appended,
    layer,
  };
}

async function loadImageManifest(
  client: RegistryClient,
  selection: ImageSelection,
): Promise<{ image: ImageReference; digest: string; manifest: ImageManifest }> {
  const image = typeof selection.image === 'string' ? parseImageReference(selection.image) : selection.image;
  const resolved = await client.resolveDigest(
    image,
    selection.platform !== undefined ? { platform: selection.platform } : {},
  );
  if (resolved === null) {
    throw new RegistryError({
      registry: client.registry,
      operation: `resolve ${formatImageReference(image)}`,
      status: 404,
      code: 'MANIFEST_UNKNOWN',
    });
  }
  const fetched = await client.getManifest({
    registry: image.registry,
    repository: image.repository,
    digest: resolved.digest,
  });
  if (fetched.parsed.kind !== 'manifest') {
    throw new Error(`image ${formatImageReference(image)} is a manifest list or index; select a platform`);
  }
  return { image, digest: fetched.digest, manifest: fetched.parsed.manifest };
}

function pickOptions(options: AppendLayerOptions): AppendLayerOptions {
  const out: AppendLayerOptions = {};
  if (options.created !== undefined) out.created = options.created;
  if (options.createdBy !== undefined) out.createdBy = options.createdBy;
  if (options.comment !== undefined) out.comment = options.comment;
  if (options.annotations !== undefined) out.annotations = options.annotations;
  return out;
}
