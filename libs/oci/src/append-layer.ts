// A new image = a base image plus one top layer: the manifest and config that describe it (OCI media types).

import { sha256Digest } from '@kmm-hub/image-reference';
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from './manifest.js';
import { MEDIA_TYPE } from './media-types.js';

export interface AppendedLayer {
  mediaType: string;
  digest: string;
  size: number;
  diffId: string;
}

export interface AppendLayerOptions {
  /** RFC 3339 time for the config's `created` and the new history entry; omitted to keep the result reproducible. */
  created?: string;
  /** `created_by` of the new history entry. */
  createdBy?: string;
  comment?: string;
  /** Base image, recorded as the `org.opencontainers.image.base.name` / `.base.digest` annotations. */
  baseName?: string;
  baseDigest?: string;
  /** More annotations of the new manifest. */
  annotations?: Readonly<Record<string, string>>;
}

export interface AppendedImage {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  config: ImageConfig;
  configBytes: Buffer;
  configDescriptor: Descriptor;
}

const OCI_LAYER_TYPE: Record<string, string> = {
  [MEDIA_TYPE.DOCKER_LAYER_GZIP]: MEDIA_TYPE.OCI_LAYER_GZIP,
  [MEDIA_TYPE.DOCKER_LAYER_FOREIGN_GZIP]: MEDIA_TYPE.OCI_LAYER_NONDISTRIBUTABLE_GZIP,
};

/**
 * The OCI manifest and config of `base` with `layer` on top. The config keeps every base field; `rootfs.diff_ids`
 * gains the layer's diffID and `history` an entry for it (history is started only for a base without layers, so
 * that non-empty history entries keep matching layers one to one). Docker layer media types become their OCI
 * equivalents; blobs are unchanged.
 */
export function appendLayerToImage(
  base: { manifest: ImageManifest; config: ImageConfig },
  layer: AppendedLayer,
  options: AppendLayerOptions = {},
): AppendedImage {
  const baseLayers = base.manifest.layers;
  const diffIds = base.config.rootfs.diff_ids;
  if (diffIds.length !== baseLayers.length) {
    throw new Error(`base image has ${baseLayers.length} layers but ${diffIds.length} diff_ids in its config`);
  }

  const config: ImageConfig = { ...base.config, rootfs: { type: 'layers', diff_ids: [...diffIds, layer.diffId] } };
  if (options.created !== undefined) config.created = options.created;
  const entry: HistoryEntry = {};
  if (options.created !== undefined) entry.created = options.created;
  if (options.createdBy !== undefined) entry.created_by = options.createdBy;
  if (options.comment !== undefined) entry.comment = options.comment;
  if (base.config.history !== undefined) config.history = [...base.config.history, entry];
  else if (baseLayers.length === 0) config.history = [entry];

  const configBytes = Buffer.from(JSON.stringify(config), 'utf8');
  const configDescriptor: Descriptor = {
    mediaType: MEDIA_TYPE.OCI_CONFIG,
    digest: sha256Digest(configBytes),
    size: configBytes.byteLength,
  };
  const layers: Descriptor[] = [
    ...baseLayers.map((d) => ({ ...d, mediaType: OCI_LAYER_TYPE[d.mediaType] ?? d.mediaType })),
    { mediaType: layer.mediaType, digest: layer.digest, size: layer.size },
  ];
  const annotations: Record<string, string> = { ...options.annotations };
  if (options.baseName !== undefined) annotations['org.opencontainers.image.base.name'] = options.baseName;
  if (options.baseDigest !== undefined) annotations['org.opencontainers.image.base.digest'] = options.baseDigest;

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.OCI_MANIFEST,
    config: configDescriptor,
    layers,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  return {
    manifest,
    manifestBytes: Buffer.from(JSON.stringify(manifest), 'utf8'),
    config,
    configBytes,
    configDescriptor,
  };
}
