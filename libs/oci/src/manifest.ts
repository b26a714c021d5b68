// OCI / Docker v2 manifest, index and image config shapes, and their validation when read from a registry.

import { isDigest } from '@kmm-hub/image-reference';
import { MEDIA_TYPE, isImageManifestMediaType, isIndexMediaType } from './media-types.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Image config (OCI `application/vnd.oci.image.config.v1+json`, same JSON as Docker's). Unknown keys are kept. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: Record<string, unknown>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

/**
 * Parses manifest bytes. The media type is the body's `mediaType`, else the response Content-Type, else inferred
 * from the shape (`manifests` → OCI index, `layers` → OCI manifest). Throws on anything that is not a schema 2
 * manifest or index.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error('manifest is not valid JSON');
  }
  if (!isRecord(body)) throw new Error('manifest must be a JSON object');
  if (body['schemaVersion'] !== 2)
    throw new Error(`manifest schemaVersion ${describeValue(body['schemaVersion'])} is not 2`);
  const declared = typeof body['mediaType'] === 'string' ? body['mediaType'] : undefined;
  const header = contentType?.split(';')[0]?.trim();
  const mediaType =
    (known(declared) ? declared : undefined) ??
    (known(header) ? header : undefined) ??
    (Array.isArray(body['manifests']) ? MEDIA_TYPE.OCI_INDEX : MEDIA_TYPE.OCI_MANIFEST);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(body['manifests'])) throw new Error('index has no "manifests" array');
    body['manifests'].forEach((d, i) => assertDescriptor(d, `manifests[${i}]`));
    return { kind: 'index', mediaType, index: body as unknown as ImageIndex };
  }
  assertDescriptor(body['config'], 'config');
  if (!Array.isArray(body['layers'])) throw new Error('manifest has no "layers" array');
  body['layers'].forEach((d, i) => assertDescriptor(d, `layers[${i}]`));
  return { kind: 'manifest', mediaType, manifest: body as unknown as ImageManifest };
}

/** Parses an image config blob; throws when `rootfs.diff_ids` is missing or malformed. */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error('image config is not valid JSON');
  }
  if (!isRecord(body)) throw new Error('image config must be a JSON object');
  const rootfs = body['rootfs'];
  if (!isRecord(rootfs) || rootfs['type'] !== 'layers' || !Array.isArray(rootfs['diff_ids'])) {
    throw new Error('image config has no rootfs of type "layers" with "diff_ids"');
  }
  for (const id of rootfs['diff_ids']) {
    if (typeof id !== 'string' || !isDigest(id))
      throw new Error(`image config diff_id ${describeValue(id)} is not a digest`);
  }
  if (body['history'] !== undefined && !Array.isArray(body['history'])) {
    throw new Error('image config "history" must be an array');
  }
  return body as ImageConfig;
}

function known(mediaType: string | undefined): boolean {
  return isIndexMediaType(mediaType) || isImageManifestMediaType(mediaType);
}

function assertDescriptor(value: unknown, where: string): asserts value is Descriptor {
  if (!isRecord(value)) throw new Error(`${where} is not a descriptor object`);
  if (typeof value['mediaType'] !== 'string') throw new Error(`${where}.mediaType is missing`);
  if (typeof value['digest'] !== 'string' || !isDigest(value['digest'])) {
    throw new Error(`${where}.digest is not a sha256 or sha512 digest`);
  }
  if (typeof value['size'] !== 'number' || !Number.isSafeInteger(value['size']) || value['size'] < 0) {
    throw new Error(`${where}.size is not a non-negative integer`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A parsed JSON value for an error message. Not String(): an object such as {"toString":0} makes it throw a
 * TypeError instead of the error meant for the registry's bad answer.
 */
function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
