import { Injectable } from '@nestjs/common';
import { RESOURCES } from '@kmm-hub/api';
import { isConflict, isNotFound, type ResourceClient } from '@kmm-hub/kube';
import { SpokeClient } from '../clusters/cluster-clients.js';
import type { ObjectJson } from './applied-object.js';
import type { AppliedResource } from './applied-resources.js';

/** `gone`: nothing of ours is left (deleted, recreated by someone else, or not ours); `pending`: still terminating. */
export type RemovalResult = 'gone' | 'pending';

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
    // The AppliedManifestWork records the resource (plural), not the kind; the kind only names it in messages.
    const objects: ResourceClient<ObjectJson> = this.spoke.resource<ObjectJson>({
      group: resource.group ?? '',
      version: resource.version,
      plural: resource.resource,
      namespaced: Boolean(resource.namespace),
      kind: resource.resource,
    });
    const at = { namespace: resource.namespace || undefined };
    const live = await objects.find(resource.name, at);
    if (live === undefined) return 'gone';
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
      await objects.mergePatch(
        resource.name,
        {
          metadata: {
            ownerReferences: refs.filter((ref) => ref.uid !== appliedWorkUid),
            resourceVersion: live.metadata.resourceVersion,
          },
        },
        at,
      );
      return 'gone';
    }
    if (live.metadata.deletionTimestamp) return 'pending';
    try {
      const answer = await objects.delete(resource.name, {
        ...at,
        propagationPolicy: 'Background',
        preconditions: { uid: live.metadata.uid },
      });
      // An object with finalizers comes back with a deletionTimestamp; a Status means it is gone.
      return (answer as ObjectJson).metadata?.deletionTimestamp ? 'pending' : 'gone';
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return 'gone';
      throw err;
    }
  }
}
