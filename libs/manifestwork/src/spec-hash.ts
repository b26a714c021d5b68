import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code unit) at every depth, no whitespace, `undefined` members dropped as
 * JSON.stringify drops them. Equal values give equal text whatever the key order they were built in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).toSorted()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Lowercase hex sha256 of the canonical JSON of `value`. */
export function hashCanonicalJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
