import type { KubeHttp } from './kube-http.js';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
}

/**
 * Maps (apiVersion, kind) to REST paths through API discovery, cached per group-version. A miss refreshes once, so a
 * CRD installed after start-up is found; an unknown kind then fails with a clear message.
 */
export class ResourcePaths {
  private readonly cache = new Map<string, ApiResource[]>();

  constructor(private readonly http: KubeHttp) {}

  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let found = (await this.resources(apiVersion, false)).find((r) => r.kind === kind);
    found ??= (await this.resources(apiVersion, true)).find((r) => r.kind === kind);
    if (!found) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found;
  }

  /** Collection path (…/namespaces/<ns>/<plural> or …/<plural>) or, with a name, the object's path. */
  async path(ref: ObjectRef): Promise<string> {
    const res = await this.resource(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    if (res.namespaced && !ref.namespace)
      throw new Error(`${ref.kind} ${ref.name ?? ''} is namespaced but has no namespace`);
    const ns = res.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace!)}` : '';
    const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
    return `${base}${ns}/${res.name}${name}`;
  }

  private async resources(apiVersion: string, refresh: boolean): Promise<ApiResource[]> {
    const cached = this.cache.get(apiVersion);
    if (cached && !refresh) return cached;
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = await this.http.json<{ resources: ApiResource[] }>('GET', base);
      const top = list.resources.filter((r) => !r.name.includes('/'));
      this.cache.set(apiVersion, top);
      return top;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return [];
      throw err;
    }
  }
}
