import { Injectable } from '@nestjs/common';
import { RESOURCES } from '@kmm-hub/api';
import { KubeApiError } from '@kmm-hub/kube';
import { SpokeClient } from '../clusters/cluster-clients.js';
import type { ObjectJson } from './applied-object.js';
import type { AppliedResource } from './applied-resources.js';

/** `gone`: nothing of ours is left (deleted, recreated by someone else, or not ours); `pending`: still terminating. */
export type RemovalResult = 'gone' | 'pending';

function objectPath(r: AppliedResource): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : '';
  return `${base}${ns}/${r.resource}/${encodeURIComponent(r.name)}`;
}

/**
 * Deletes what a work applied, with OCM's rules (`DeleteAppliedResources` in open-cluster-management-io/ocm
 * pkg/work/helper/helpers.go): an object that is gone,
 * was recreated (other uid) or is not owned by this AppliedManifestWork is forgotten; one another
 * AppliedManifestWork also owns only loses our owner reference; otherwise it is deleted in the background with a
 * uid precondition, and reported pending while it terminates.
 */
@Injectable()
export class AppliedResourceRemover {
  constructor(private readonly spoke: SpokeClient) {}

  async remove(resource: AppliedResource, appliedWorkUid: string): Promise<RemovalResult> {
    const path = objectPath(resource);
    let live: ObjectJson;
    try {
      live = await this.spoke.http.json<ObjectJson>('GET', path);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return 'gone';
      throw err;
    }
    if (resource.uid && live.metadata.uid !== resource.uid) return 'gone';
    const refs = live.metadata.ownerReferences ?? [];
    if (!refs.some((ref) => ref.uid === appliedWorkUid)) return 'gone';
    const otherWorks = refs.filter(
      (ref) =>
        ref.uid !== appliedWorkUid &&
        ref.kind === RESOURCES.AppliedManifestWork.kind &&
        ref.apiVersion.startsWith(`${RESOURCES.AppliedManifestWork.group}/`),
    );
    if (otherWorks.length > 0) {
      await this.spoke.http.json('PATCH', path, {
        body: {
          metadata: {
            ownerReferences: refs.filter((ref) => ref.uid !== appliedWorkUid),
            resourceVersion: live.metadata.resourceVersion,
          },
        },
        contentType: 'application/merge-patch+json',
      });
      return 'gone';
    }
    if (live.metadata.deletionTimestamp) return 'pending';
    try {
      const answer = await this.spoke.http.json<ObjectJson | { kind?: string }>('DELETE', path, {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          preconditions: { uid: live.metadata.uid },
        },
      });
      // An object with finalizers comes back with a deletionTimestamp; a Status means it is gone.
      return (answer as ObjectJson).metadata?.deletionTimestamp ? 'pending' : 'gone';
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 404 || err.status === 409)) return 'gone';
      throw err;
    }
  }
}
