import type { KubernetesObject, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { ANNOTATIONS, RESOURCES } from '@kmm-hub/api';
import { hashCanonicalJson } from '@kmm-hub/manifestwork';

/** A manifest or a live object as plain JSON. */
export type ObjectJson = KubernetesObject & { metadata: V1ObjectMeta } & Record<string, unknown>;

/** Metadata the API server owns; a manifest carrying it (e.g. copied from `kubectl get -o yaml`) must not send it. */
const SERVER_OWNED_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'managedFields',
  'selfLink',
] as const;

/** The object the work asks for: a copy without server-owned metadata, and without a namespace if cluster-scoped. */
export function desiredObject(manifest: Record<string, unknown>, namespaced: boolean): ObjectJson {
  const desired = structuredClone(manifest) as ObjectJson;
  const metadata: V1ObjectMeta & Record<string, unknown> = { ...desired.metadata };
  for (const key of SERVER_OWNED_METADATA) delete metadata[key];
  if (!namespaced) delete metadata.namespace;
  desired.metadata = metadata;
  return desired;
}

/** Everything but apiVersion, kind, metadata and status: what the Update strategy replaces. */
export function objectContent(obj: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...content } = obj;
  return content;
}

/** Hash of an object's content, to tell later whether anything in it changed. */
export function contentHash(obj: Record<string, unknown>): string {
  return hashCanonicalJson(objectContent(obj));
}

/** Hash of what the Update strategy writes: content, labels and annotations of the desired object. */
export function updateSpecHash(desired: ObjectJson): string {
  return hashCanonicalJson({
    content: objectContent(desired),
    labels: desired.metadata.labels ?? {},
    annotations: desired.metadata.annotations ?? {},
  });
}

/**
 * Whether every field `want` sets has the same value in `have`: objects compare key by key (extra keys in `have`
 * are fine: server defaults), lists element by element with equal length, scalars strictly. A null asks for absence.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === null) return have === null || have === undefined;
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => isSubset(w, have[i]));
  }
  if (typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => isSubset(w, h[k]));
  }
  return want === have;
}

/** The non-controller owner reference every applied object gets to its AppliedManifestWork (OCM's anchor). */
export function appliedWorkOwnerReference(appliedWork: { name: string; uid: string }): V1OwnerReference {
  return {
    apiVersion: RESOURCES.AppliedManifestWork.apiVersion,
    kind: RESOURCES.AppliedManifestWork.kind,
    name: appliedWork.name,
    uid: appliedWork.uid,
  };
}

/** `existing` with our reference added (owned) or removed (not owned); every other owner is kept as it is. */
export function reconcileOwnerReferences(
  existing: readonly V1OwnerReference[] | undefined,
  ours: V1OwnerReference,
  owned: boolean,
): V1OwnerReference[] {
  const others = (existing ?? []).filter((ref) => ref.uid !== ours.uid);
  const current = (existing ?? []).find((ref) => ref.uid === ours.uid);
  return owned ? [...others, current ?? ours] : others;
}

const ownerUids = (refs: readonly V1OwnerReference[] | undefined) => (refs ?? []).map((r) => r.uid).toSorted();

/** The same owners, by uid, in any order. */
export function sameOwnerReferences(a: readonly V1OwnerReference[] | undefined, b: readonly V1OwnerReference[]) {
  return JSON.stringify(ownerUids(a)) === JSON.stringify(ownerUids(b));
}

/**
 * The body of the Update strategy's PUT (OCM's generic apply): the desired content replaces the existing content;
 * labels and annotations are merged over the existing ones (ours win), owner references are the reconciled list,
 * finalizers and the rest of the existing metadata (resourceVersion: optimistic concurrency) are kept, and status is
 * carried over so kinds without a status subresource keep theirs. The spec-hash annotation records what we wrote.
 */
export function mergeForUpdate(
  desired: ObjectJson,
  existing: ObjectJson,
  ownerReferences: V1OwnerReference[],
  specHash: string,
): ObjectJson {
  const metadata: V1ObjectMeta = {
    ...existing.metadata,
    labels: { ...existing.metadata.labels, ...desired.metadata.labels },
    annotations: {
      ...existing.metadata.annotations,
      ...desired.metadata.annotations,
      [ANNOTATIONS.specHash]: specHash,
    },
    ownerReferences,
  };
  delete metadata.managedFields;
  if (ownerReferences.length === 0) delete metadata.ownerReferences;
  const body: ObjectJson = {
    ...objectContent(desired),
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata,
  };
  if (existing['status'] !== undefined) body['status'] = existing['status'];
  return body;
}

/**
 * Whether the Update strategy must write: the desired object changed since we last wrote it (hash annotation), our
 * labels or annotations went missing, ownership changed, or the content drifted. Drift is judged against what the
 * API server returned after our last write (`baselineContentHash`, which includes server defaults) when we have it,
 * else (first sight after a restart) by whether every desired field still holds its value.
 */
export function needsUpdate(args: {
  desired: ObjectJson;
  existing: ObjectJson;
  specHash: string;
  ownerReferences: V1OwnerReference[];
  baselineContentHash: string | undefined;
}): boolean {
  const { desired, existing, specHash, ownerReferences, baselineContentHash } = args;
  if (existing.metadata.annotations?.[ANNOTATIONS.specHash] !== specHash) return true;
  if (!isSubset(desired.metadata.labels ?? {}, existing.metadata.labels ?? {})) return true;
  if (!isSubset(desired.metadata.annotations ?? {}, existing.metadata.annotations ?? {})) return true;
  if (!sameOwnerReferences(existing.metadata.ownerReferences, ownerReferences)) return true;
  return baselineContentHash !== undefined
    ? contentHash(existing) !== baselineContentHash
    : !isSubset(objectContent(desired), objectContent(existing));
}
