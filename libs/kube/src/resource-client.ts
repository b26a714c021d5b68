import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError, type KubeHttp } from './kube-http.js';
import { applyPatchBody } from './server-side-apply.js';

/**
 * Where a kind is served: enough to build its REST paths without discovery. The CRD kinds' descriptors live in
 * @kmm-hub/api (RESOURCES); the built-in kinds the apps use are in BUILTIN_RESOURCES below.
 */
export interface ResourceDescriptor {
  /** '' for the core group (served under /api/v1). */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  kind: string;
}

const builtin = (group: string, version: string, kind: string, plural: string, namespaced: boolean) =>
  ({ group, version, kind, plural, namespaced }) as const satisfies ResourceDescriptor;

/** Built-in kinds, as the API server serves them (https://kubernetes.io/docs/reference/kubernetes-api/). */
export const BUILTIN_RESOURCES = {
  Namespace: builtin('', 'v1', 'Namespace', 'namespaces', false),
  Node: builtin('', 'v1', 'Node', 'nodes', false),
  Secret: builtin('', 'v1', 'Secret', 'secrets', true),
  ConfigMap: builtin('', 'v1', 'ConfigMap', 'configmaps', true),
  Event: builtin('', 'v1', 'Event', 'events', true),
  Pod: builtin('', 'v1', 'Pod', 'pods', true),
  ServiceAccount: builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true),
  Lease: builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  Job: builtin('batch', 'v1', 'Job', 'jobs', true),
  DaemonSet: builtin('apps', 'v1', 'DaemonSet', 'daemonsets', true),
} as const;

type Query = Record<string, string | number | boolean | undefined>;

/** Where one object (or, without name, the collection) of a kind is; namespace is ignored for cluster-scoped kinds. */
export interface ObjectLocation {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The REST path of a kind's collection, one object, or one object's subresource. */
export function resourcePath(r: ResourceDescriptor, at: ObjectLocation = {}): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && at.name !== undefined && !at.namespace)
    throw new Error(`${r.kind} ${at.name} is namespaced but has no namespace`);
  const ns = r.namespaced && at.namespace ? `/namespaces/${encodeURIComponent(at.namespace)}` : '';
  const name = at.name !== undefined ? `/${encodeURIComponent(at.name)}` : '';
  const sub = at.subresource && at.name !== undefined ? `/${at.subresource}` : '';
  return `${base}${ns}/${r.plural}${name}${sub}`;
}

/** The object is not there (404). */
export const isNotFound = (err: unknown): err is KubeApiError => err instanceof KubeApiError && err.status === 404;
/** A write lost against a newer resourceVersion or a failed precondition (409 Conflict). */
export const isConflict = (err: unknown): err is KubeApiError =>
  err instanceof KubeApiError && err.status === 409 && err.reason !== 'AlreadyExists';
/** A create found an object of that name (409 AlreadyExists). */
export const isAlreadyExists = (err: unknown): err is KubeApiError =>
  err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** A JSON patch operation (RFC 6902); `test` makes the whole patch fail unless the value is as expected. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Delete only the object with this uid, or only at this resourceVersion (a mismatch is a 409 Conflict). */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface DeleteOptions {
  namespace?: string;
  preconditions?: DeletePreconditions;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

export interface FinalizerEditOptions {
  /**
   * On a conflict (someone wrote the object since it was read), read it again and redo the edit on the fresh copy this
   * many times; 0 leaves the conflict to the caller (its reconcile retries with the informer's newer copy).
   */
  conflictRetries?: number;
}

type Named = { metadata?: { name?: string; namespace?: string; resourceVersion?: string; finalizers?: string[] } };

const locationOf = (obj: Named): { name: string; namespace?: string } => ({
  name: obj.metadata?.name ?? '',
  namespace: obj.metadata?.namespace,
});

/**
 * Typed calls on one kind over KubeHttp: the apps name a kind and an object, never a REST path or a patch content
 * type. Errors are KubeApiError; isNotFound / isConflict / isAlreadyExists tell them apart.
 */
export class ResourceClient<T extends KubernetesObject> {
  constructor(
    readonly http: KubeHttp,
    readonly resource: ResourceDescriptor,
  ) {}

  /** The path of the collection (all namespaces without one): for informers and watches. */
  collectionPath(namespace?: string): string {
    return resourcePath(this.resource, { namespace });
  }

  get(name: string, opts: { namespace?: string } = {}): Promise<T> {
    return this.http.json<T>('GET', resourcePath(this.resource, { ...opts, name }));
  }

  /** The object, or undefined when it does not exist. */
  async find(name: string, opts: { namespace?: string } = {}): Promise<T | undefined> {
    try {
      return await this.get(name, opts);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    const { namespace, ...query } = opts;
    return this.http.json<KubeList<T>>('GET', this.collectionPath(namespace), { query });
  }

  /** Creates the object in its metadata.namespace (or opts.namespace). */
  create(obj: T, opts: { namespace?: string } = {}): Promise<T> {
    const namespace = opts.namespace ?? obj.metadata?.namespace;
    return this.http.json<T>('POST', this.collectionPath(namespace), { body: this.typed(obj) });
  }

  /** PUT of the whole object; its metadata.resourceVersion (if set) makes a stale write a 409 Conflict. */
  replace(obj: T): Promise<T> {
    return this.http.json<T>('PUT', resourcePath(this.resource, locationOf(obj)), { body: this.typed(obj) });
  }

  /**
   * JSON merge patch (RFC 7386). A metadata.resourceVersion in the patch makes it conditional: the server answers 409
   * Conflict if the object changed since.
   */
  mergePatch(name: string, patch: unknown, opts: { namespace?: string; subresource?: 'status' } = {}): Promise<T> {
    return this.http.json<T>('PATCH', resourcePath(this.resource, { ...opts, name }), {
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  /** JSON patch (RFC 6902); a failing `test` operation rejects the whole patch (422 Invalid) and changes nothing. */
  jsonPatch(
    name: string,
    operations: JsonPatchOperation[],
    opts: { namespace?: string; subresource?: 'status' } = {},
  ): Promise<T> {
    return this.http.json<T>('PATCH', resourcePath(this.resource, { ...opts, name }), {
      body: operations,
      contentType: 'application/json-patch+json',
    });
  }

  /** Replaces the status subresource (PUT …/status); a stale resourceVersion is a 409 Conflict. */
  replaceStatus(obj: T): Promise<T> {
    return this.http.json<T>('PUT', resourcePath(this.resource, { ...locationOf(obj), subresource: 'status' }), {
      body: this.typed(obj),
    });
  }

  /** Merge patch of the status subresource; only status changes, whatever else the patch holds. */
  mergePatchStatus(name: string, patch: unknown, opts: { namespace?: string } = {}): Promise<T> {
    return this.mergePatch(name, patch, { ...opts, subresource: 'status' });
  }

  /**
   * Server-side apply of the object as given: fieldManager names who owns the fields it sets; force takes over fields
   * another manager owns (a controller that is their source of truth wants that). Server-owned metadata is dropped.
   */
  apply(obj: T, opts: { fieldManager: string; force?: boolean; subresource?: 'status' }): Promise<T> {
    const body = applyPatchBody(this.typed(obj));
    const meta = body.metadata;
    const path = resourcePath(this.resource, {
      name: meta.name ?? '',
      namespace: meta.namespace,
      subresource: opts.subresource,
    });
    return this.http.json<T>('PATCH', path, {
      query: { fieldManager: opts.fieldManager, force: opts.force ?? false },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /**
   * Deletes the object; preconditions make it delete only that incarnation (uid) or that version (resourceVersion),
   * else 409 Conflict. Resolves with what the server answered: the object (still there with a deletionTimestamp while
   * finalizers hold it) or a Status (gone).
   */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | { kind: 'Status' }> {
    const { namespace, preconditions, propagationPolicy } = opts;
    const body =
      preconditions || propagationPolicy
        ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions, propagationPolicy }
        : undefined;
    return this.http.json('DELETE', resourcePath(this.resource, { namespace, name }), { body });
  }

  /** A subresource answered as text, such as a pod's log. */
  text(name: string, subresource: string, opts: { namespace?: string; query?: Query } = {}): Promise<string> {
    return this.http.text(resourcePath(this.resource, { namespace: opts.namespace, name, subresource }), opts.query);
  }

  /** POST to a subresource, such as a ServiceAccount's token request. */
  createSubresource<R>(
    name: string,
    subresource: string,
    body: unknown,
    opts: { namespace?: string } = {},
  ): Promise<R> {
    return this.http.json<R>('POST', resourcePath(this.resource, { namespace: opts.namespace, name, subresource }), {
      body,
    });
  }

  /** Adds the finalizer unless present, keeping every other finalizer; returns the object as written (or as given). */
  addFinalizer(obj: T, finalizer: string, opts: FinalizerEditOptions = {}): Promise<T> {
    return this.editFinalizers(obj, (fs) => (fs.includes(finalizer) ? fs : [...fs, finalizer]), opts);
  }

  /** Removes the finalizer if present, keeping every other finalizer; returns the object as written (or as given). */
  removeFinalizer(obj: T, finalizer: string, opts: FinalizerEditOptions = {}): Promise<T> {
    return this.editFinalizers(obj, (fs) => fs.filter((f) => f !== finalizer), opts);
  }

  /**
   * A merge patch replaces the whole finalizers list, so it is sent with the resourceVersion it was computed from: a
   * finalizer someone else added meanwhile makes it a 409 Conflict instead of being silently dropped.
   */
  private async editFinalizers(obj: T, edit: (fs: string[]) => string[], opts: FinalizerEditOptions): Promise<T> {
    const current = obj.metadata?.finalizers ?? [];
    const next = edit(current);
    if (next.length === current.length && next.every((f, i) => f === current[i])) return obj;
    const { name, namespace } = locationOf(obj);
    try {
      return await this.mergePatch(
        name,
        { metadata: { finalizers: next, resourceVersion: obj.metadata?.resourceVersion } },
        { namespace },
      );
    } catch (err) {
      const retries = opts.conflictRetries ?? 0;
      if (!isConflict(err) || retries <= 0) throw err;
      const fresh = await this.get(name, { namespace });
      return this.editFinalizers(fresh, edit, { conflictRetries: retries - 1 });
    }
  }

  private typed(obj: T): T {
    const apiVersion = this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version;
    return { ...obj, apiVersion: obj.apiVersion ?? apiVersion, kind: obj.kind ?? this.resource.kind };
  }
}
