import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

/**
 * Server-side apply of whole objects. The field manager names who owns the fields; force takes over fields another
 * manager set, which is what a controller that is the source of truth for an object wants.
 */
export class ServerSideApplier {
  private readonly api: KubernetesObjectApi;

  constructor(
    kc: KubeConfig,
    private readonly fieldManager: string,
  ) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  async apply<T extends KubernetesObject>(obj: T, opts: { force?: boolean } = {}): Promise<T> {
    // managedFields and resourceVersion must not travel in an apply patch.
    const { metadata, ...rest } = obj;
    const {
      managedFields: _m,
      resourceVersion: _r,
      uid: _u,
      creationTimestamp: _c,
      generation: _g,
      ...meta
    } = metadata ?? {};
    const body = { ...rest, metadata: meta } as T;
    return this.api.patch(
      body,
      undefined,
      undefined,
      this.fieldManager,
      opts.force ?? true,
      PatchStrategy.ServerSideApply,
    );
  }

  get objects(): KubernetesObjectApi {
    return this.api;
  }
}
