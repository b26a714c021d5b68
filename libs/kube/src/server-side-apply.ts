import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClientConfig } from './kube-config.js';
import { KubeHttp } from './kube-http.js';
import { ResourcePaths } from './resource-paths.js';

/**
 * Server-side apply of whole objects, sent as JSON exactly as given (the generated clients' serializers drop fields
 * they do not model, such as x-kubernetes-* schema extensions). The field manager names who owns the fields; force
 * takes over fields another manager set, which is what a controller that is the source of truth wants.
 */
export class ServerSideApplier {
  readonly http: KubeHttp;
  readonly paths: ResourcePaths;

  constructor(
    source: KubeClientConfig | ServerSideApplier,
    private readonly fieldManager: string,
  ) {
    if (source instanceof ServerSideApplier) {
      this.http = source.http;
      this.paths = source.paths;
    } else {
      this.http = new KubeHttp(source);
      this.paths = new ResourcePaths(this.http);
    }
  }

  /** The same connection and discovery cache, applying under another field manager. */
  forFieldManager(fieldManager: string): ServerSideApplier {
    return new ServerSideApplier(this, fieldManager);
  }

  async apply<T extends KubernetesObject>(obj: T, opts: { force?: boolean; subresource?: 'status' } = {}): Promise<T> {
    const body = applyPatchBody(obj);
    const meta = body.metadata;
    const path = await this.paths.path({
      apiVersion: obj.apiVersion ?? '',
      kind: obj.kind ?? '',
      namespace: meta.namespace,
      name: meta.name,
    });
    return this.http.json<T>('PATCH', opts.subresource ? `${path}/${opts.subresource}` : path, {
      query: { fieldManager: this.fieldManager, force: opts.force ?? true },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  }
}

/** The object as an apply patch: server-owned metadata must not travel in one. */
export function applyPatchBody<T extends KubernetesObject>(obj: T): T & { metadata: NonNullable<T['metadata']> } {
  const { metadata, ...rest } = obj;
  const {
    managedFields: _m,
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    generation: _g,
    deletionTimestamp: _d,
    ...meta
  } = metadata ?? {};
  return { ...rest, metadata: meta } as T & { metadata: NonNullable<T['metadata']> };
}
