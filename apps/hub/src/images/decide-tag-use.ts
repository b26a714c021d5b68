// Pure: what a build or sign job does with the tag it would write, given what the tag holds now. Upstream KMM
// treats an image that exists as ready and never overwrites it (internal/controllers/mic_reconciler.go: a pull that
// succeeds makes the image `Exists`; `imageRebuildTriggerGeneration` only makes it look again). The hub adds one
// thing: an image it built itself for other inputs (a changed Dockerfile, build arg, secret or key) is built again.
// An image the hub did not make is used as it is, and every replacement is said in status and an Event.
import type { ImageJobResult, TagUse } from '../image-queues/jobs.js';

/** What a tag holds: its digest and, when the hub made it, the id of the job (= hash of its inputs) that did. */
export interface TagContent {
  digest: string;
  producedBy?: string;
}

export type TagDecision =
  /** The tag does not exist: build or sign it. */
  | { use: 'produced' }
  /** The tag holds this job's output: nothing to do. */
  | { use: 'reused'; digest: string }
  /** The tag holds the hub's output for other inputs: build or sign again and overwrite it. */
  | { use: 'replaced'; digest: string; previousJobId: string }
  /** The tag holds an image the hub did not make: use it as it is, never overwrite it. */
  | { use: 'kept'; digest: string };

export function decideTagUse(current: TagContent | undefined, jobId: string): TagDecision {
  if (current === undefined) return { use: 'produced' };
  if (current.producedBy === jobId) return { use: 'reused', digest: current.digest };
  if (current.producedBy !== undefined) {
    return { use: 'replaced', digest: current.digest, previousJobId: current.producedBy };
  }
  return { use: 'kept', digest: current.digest };
}

/** The status message and Event text of a job's outcome; undefined when there is nothing to say (a normal build). */
export function describeTagUse(
  result: Pick<ImageJobResult, 'target' | 'digest' | 'use' | 'replaced'>,
): string | undefined {
  switch (result.use) {
    case 'kept':
      return `${result.target} was not built by this hub (it carries no inputs hash); it is used as it is (${result.digest}) and never overwritten`;
    case 'replaced':
      return `${result.target} held this hub's image ${result.replaced?.digest ?? ''} for other inputs (job ${shortId(result.replaced?.jobId)}); it was rebuilt for the current inputs and overwritten`;
    case 'produced':
    case 'reused':
    case undefined:
      return undefined;
  }
}

/**
 * The message when a tag no longer holds what the pipeline's finished job left there (someone pushed over it
 * afterwards): the hub uses the new content as it is and does not write the tag again. Undefined while it matches.
 */
export function describeMovedTag(
  result: Pick<ImageJobResult, 'target' | 'digest'> | undefined,
  presentDigest: string | undefined,
): string | undefined {
  if (result === undefined || presentDigest === undefined || result.digest === presentDigest) return undefined;
  return `${result.target} changed after this hub's job last wrote or checked it (${result.digest}): it now holds ${presentDigest}, which is used as it is and not overwritten`;
}

export type { TagUse };

function shortId(jobId: string | undefined): string {
  return (jobId ?? '').slice(0, 12);
}
