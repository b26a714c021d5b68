// What the deploy tests do on a real API server: server-side apply of rendered objects in order, reads that tell
// "not found" apart, CRD readiness, and SubjectAccessReviews for a service account.
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError, KubeHttp, ResourcePaths, ServerSideApplier, type KubeClientConfig } from '@kmm-hub/kube';
import { waitUntil } from '@kmm-hub/test-env';
import type { KubeObject } from './deploy-files.js';

export const FIELD_MANAGER = 'kmm-hub-deploy-test';

export interface AccessRequest {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

type Applied = KubernetesObject & { metadata: { uid: string; name: string } };

export class ClusterClient {
  private readonly applier: ServerSideApplier;
  private readonly http: KubeHttp;
  private readonly paths: ResourcePaths;

  constructor(kc: KubeClientConfig, fieldManager = FIELD_MANAGER) {
    this.applier = new ServerSideApplier(kc, fieldManager);
    this.http = new KubeHttp(kc);
    this.paths = new ResourcePaths(this.http);
  }

  /** Applies in the given (kustomize) order; a CRD is waited for before anything after it, as kubectl would need. */
  async applyAll(objects: KubeObject[]): Promise<Applied[]> {
    const applied: Applied[] = [];
    for (const object of objects) {
      const result = await this.apply(object);
      applied.push(result);
      if (object.kind === 'CustomResourceDefinition') await this.waitEstablished(object.metadata.name);
    }
    return applied;
  }

  async apply(object: KubeObject): Promise<Applied> {
    try {
      return (await this.applier.apply(object as KubernetesObject)) as Applied;
    } catch (err) {
      throw new Error(`apply ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, {
        cause: err,
      });
    }
  }

  /** The object as the server holds it, or undefined when it does not exist. */
  async get(ref: KubeObject): Promise<KubeObject | undefined> {
    const path = await this.paths.path({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ref.metadata.namespace,
      name: ref.metadata.name,
    });
    try {
      return await this.http.json<KubeObject>('GET', path);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async waitEstablished(name: string): Promise<void> {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    const established = async () => {
      const crd = await this.http.json<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', path);
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    };
    // Also runs in beforeAll hooks, where expect.poll is not allowed.
    await waitUntil(`CRD ${name} established`, established, { timeoutMs: 30_000 });
  }

  /** Whether the API server's authorizer lets a service account do something (a SubjectAccessReview). */
  async serviceAccountCan(serviceAccount: string, request: AccessRequest): Promise<boolean> {
    const [namespace, name] = serviceAccount.split('/');
    const review = await this.http.json<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: `system:serviceaccount:${namespace}:${name}`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
            resourceAttributes: { ...request, group: request.group === 'core' ? '' : request.group },
          },
        },
      },
    );
    return review.status?.allowed === true;
  }
}
