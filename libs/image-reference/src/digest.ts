import { createHash } from 'node:crypto';

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True for a content digest this client can verify: `sha256:<64 hex>` or `sha512:<128 hex>`, lower-case. */
export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** `sha256:<hex>` of the bytes, as registries name blobs and manifests. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Digest of `bytes` computed with the algorithm of `expected`, for verifying content against a given digest. */
export function digestLike(expected: string, bytes: Uint8Array): string {
  const algorithm = expected.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
