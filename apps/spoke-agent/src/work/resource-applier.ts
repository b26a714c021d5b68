import { Injectable } from '@nestjs/common';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { ANNOTATIONS } from '@kmm-hub/api';
import { KubeApiError, isAlreadyExists, isConflict, type ResourceClient } from '@kmm-hub/kube';
import { hashCanonicalJson } from '@kmm-hub/manifestwork';
import { SpokeClient } from '../clusters/cluster-clients.js';
import {
  contentHash,
  desiredObject,
  isSubset,
  mergeForUpdate,
  needsUpdate,
  objectContent,
  reconcileOwnerReferences,
  sameOwnerReferences,
  updateSpecHash,
  type ObjectJson,
} from './applied-object.js';
import type { UpdateStrategy } from './manifest-options.js';
import { UPDATE_STRATEGY } from './work-conditions.js';

/** Where a manifest goes on the spoke, from discovery. */
export interface ApplyTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  /** Plural resource name. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** `''` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** Typed calls on the manifest's kind, from discovery. */
  readonly client: ResourceClient<ObjectJson>;
}

/**
 * What the agent remembers of an object after it wrote or checked it: the hash of the desired object it applied and
 * the hash of the object's content as the API server returned it (with defaults). Equal hashes later mean no drift.
 */
export interface Baseline {
  readonly specHash: string;
  readonly contentHash: string;
}

export type ApplyOutcome =
  | { readonly ok: true; readonly uid: string | undefined; readonly baseline?: Baseline; readonly wrote: boolean }
  | { readonly ok: false; readonly message: string; readonly transient: boolean };

export type TargetResult =
  | { readonly ok: true; readonly target: ApplyTarget }
  | {
      readonly ok: false;
      readonly message: string;
      /** The spoke could not be asked (unreachable, 5xx): nothing can be concluded about this manifest. */
      readonly transient: boolean;
      /** Worth retrying soon: also a kind not served yet, whose CRD may be on its way (in this very work). */
      readonly retry: boolean;
    };

/** Network failures, conflicts, throttling and 5xx clear up by themselves; the rest needs someone to act. */
export function isTransient(err: unknown): boolean {
  if (err instanceof KubeApiError) return err.transient;
  return typeof (err as { code?: unknown } | undefined)?.code === 'string';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const CONFLICT_RETRIES = 3;

/** Writes manifests to the spoke with OCM's update strategies (open-cluster-management-io/ocm pkg/work/spoke/apply/).
 * */
@Injectable()
export class ResourceApplier {
  constructor(private readonly spoke: SpokeClient) {}

  /** Discovery for a manifest: its resource, scope and paths; a kind the spoke does not serve is a failure. */
  async resolveTarget(manifest: Record<string, unknown>): Promise<TargetResult> {
    const apiVersion = typeof manifest['apiVersion'] === 'string' ? manifest['apiVersion'] : '';
    const kind = typeof manifest['kind'] === 'string' ? manifest['kind'] : '';
    const metadata = (manifest['metadata'] ?? {}) as { name?: unknown; namespace?: unknown };
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    if (apiVersion === '' || kind === '' || name === '') {
      return {
        ok: false,
        transient: false,
        retry: false,
        message: 'the manifest needs apiVersion, kind and metadata.name',
      };
    }
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    let found: { name: string; namespaced: boolean };
    try {
      found = await this.spoke.paths.resource(apiVersion, kind);
    } catch (err) {
      const transient = isTransient(err);
      return {
        ok: false,
        transient,
        retry: true,
        message: transient ? errorMessage(err) : `the server doesn't have a resource type ${kind} in ${apiVersion}`,
      };
    }
    const namespace = found.namespaced && typeof metadata.namespace === 'string' ? metadata.namespace : '';
    if (found.namespaced && namespace === '') {
      return {
        ok: false,
        transient: false,
        retry: false,
        message: `${kind} ${name} is namespaced but the manifest has no namespace`,
      };
    }
    const target: ApplyTarget = {
      apiVersion,
      kind,
      group,
      version,
      resource: found.name,
      namespaced: found.namespaced,
      namespace,
      name,
      client: this.spoke.resource<ObjectJson>({
        group,
        version,
        kind,
        plural: found.name,
        namespaced: found.namespaced,
      }),
    };
    return { ok: true, target };
  }

  /** The live object, or undefined when it does not exist. */
  async get(target: ApplyTarget): Promise<ObjectJson | undefined> {
    return target.client.find(target.name, { namespace: target.namespace });
  }

  async apply(input: {
    readonly manifest: Record<string, unknown>;
    readonly target: ApplyTarget;
    readonly strategy: UpdateStrategy;
    readonly owner: V1OwnerReference;
    readonly owned: boolean;
    readonly baseline: Baseline | undefined;
  }): Promise<ApplyOutcome> {
    try {
      switch (input.strategy.type) {
        case UPDATE_STRATEGY.ReadOnly: {
          const existing = await this.get(input.target);
          return { ok: true, uid: existing?.metadata.uid, wrote: false };
        }
        case UPDATE_STRATEGY.CreateOnly:
          return await this.createOnly(input);
        case UPDATE_STRATEGY.ServerSideApply:
          return await this.serverSideApply(input);
        default:
          return await this.update(input, CONFLICT_RETRIES);
      }
    } catch (err) {
      return { ok: false, message: errorMessage(err), transient: isTransient(err) };
    }
  }

  private async create(target: ApplyTarget, body: ObjectJson): Promise<ObjectJson | undefined> {
    try {
      return await target.client.create(body, { namespace: target.namespace });
    } catch (err) {
      // Created by someone else since our GET: the caller continues with the existing object.
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  /**
   * OCM's default: create if missing; otherwise replace the content, merge labels, annotations and owner references,
   * keep finalizers; write only when something differs (see `needsUpdate`). Conflicts retry at once.
   */
  private async update(input: Parameters<ResourceApplier['apply']>[0], retries: number): Promise<ApplyOutcome> {
    const { target, owner, owned, baseline } = input;
    const desired = desiredObject(input.manifest, target.namespaced);
    const specHash = updateSpecHash(desired);
    let existing = await this.get(target);
    if (existing === undefined) {
      const body = structuredClone(desired);
      body.metadata.annotations = { ...body.metadata.annotations, [ANNOTATIONS.specHash]: specHash };
      if (owned) body.metadata.ownerReferences = [...(body.metadata.ownerReferences ?? []), owner];
      const created = await this.create(target, body);
      if (created !== undefined) {
        return {
          ok: true,
          uid: created.metadata.uid,
          wrote: true,
          baseline: { specHash, contentHash: contentHash(created) },
        };
      }
      existing = await this.get(target);
      if (existing === undefined) throw new Error(`${target.kind} ${target.name} vanished while being created`);
    }
    const ownerReferences = reconcileOwnerReferences(existing.metadata.ownerReferences, owner, owned);
    const baselineContentHash = baseline?.specHash === specHash ? baseline.contentHash : undefined;
    if (!needsUpdate({ desired, existing, specHash, ownerReferences, baselineContentHash })) {
      return {
        ok: true,
        uid: existing.metadata.uid,
        wrote: false,
        baseline: { specHash, contentHash: contentHash(existing) },
      };
    }
    try {
      const updated = await target.client.replace(mergeForUpdate(desired, existing, ownerReferences, specHash));
      return {
        ok: true,
        uid: updated.metadata.uid,
        wrote: true,
        baseline: { specHash, contentHash: contentHash(updated) },
      };
    } catch (err) {
      if (retries > 0 && isConflict(err)) return this.update(input, retries - 1);
      throw err;
    }
  }

  /** Create if missing; an existing object's content is never touched, only our owner reference is reconciled. */
  private async createOnly(input: Parameters<ResourceApplier['apply']>[0]): Promise<ApplyOutcome> {
    const { target, owner, owned } = input;
    const desired = desiredObject(input.manifest, target.namespaced);
    let existing = await this.get(target);
    if (existing === undefined) {
      const body = structuredClone(desired);
      if (owned) body.metadata.ownerReferences = [...(body.metadata.ownerReferences ?? []), owner];
      const created = await this.create(target, body);
      if (created !== undefined) return { ok: true, uid: created.metadata.uid, wrote: true };
      existing = await this.get(target);
      if (existing === undefined) throw new Error(`${target.kind} ${target.name} vanished while being created`);
    }
    const wrote = await this.ensureOwnerReferences(target, existing, owner, owned);
    return { ok: true, uid: existing.metadata.uid, wrote };
  }

  /**
   * Server-side apply with the strategy's field manager (default `work-agent`) and force flag. A conflict with
   * another manager is the manifest's failure, not an error to retry (OCM: Applied=False until the work changes).
   * The apply is skipped when we applied this very object before and every field it sets still holds.
   */
  private async serverSideApply(input: Parameters<ResourceApplier['apply']>[0]): Promise<ApplyOutcome> {
    const { target, owner, owned, baseline } = input;
    const desired = desiredObject(input.manifest, target.namespaced);
    delete desired.metadata.creationTimestamp;
    const specHash = hashCanonicalJson(desired);
    const ssa = input.strategy.serverSideApply;
    const existing = await this.get(target);
    let live = existing;
    let wrote = false;
    const unchanged =
      existing !== undefined &&
      baseline?.specHash === specHash &&
      isSubset(objectContent(desired), objectContent(existing)) &&
      isSubset(desired.metadata.labels ?? {}, existing.metadata.labels ?? {}) &&
      isSubset(desired.metadata.annotations ?? {}, existing.metadata.annotations ?? {});
    if (!unchanged) {
      try {
        live = await this.spoke
          .applierFor(ssa?.fieldManager || 'work-agent')
          .apply(desired, { force: ssa?.force ?? false });
        wrote = true;
      } catch (err) {
        if (isConflict(err)) return { ok: false, transient: false, message: err.message };
        throw err;
      }
    }
    if (live === undefined) throw new Error(`${target.kind} ${target.name} is missing after server-side apply`);
    if (await this.ensureOwnerReferences(target, live, owner, owned)) wrote = true;
    return { ok: true, uid: live.metadata.uid, wrote, baseline: { specHash, contentHash: contentHash(live) } };
  }

  /** Adds or removes our owner reference with a merge patch guarded by resourceVersion; true when it wrote. */
  private async ensureOwnerReferences(
    target: ApplyTarget,
    existing: ObjectJson,
    owner: V1OwnerReference,
    owned: boolean,
  ): Promise<boolean> {
    const ownerReferences = reconcileOwnerReferences(existing.metadata.ownerReferences, owner, owned);
    if (sameOwnerReferences(existing.metadata.ownerReferences, ownerReferences)) return false;
    await target.client.mergePatch(
      target.name,
      { metadata: { ownerReferences, resourceVersion: existing.metadata.resourceVersion } },
      { namespace: target.namespace },
    );
    return true;
  }
}
