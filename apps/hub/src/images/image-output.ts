// What a tag holds, and which job of the hub made it: the inputs-hash annotation of the manifest, or on images of
// older hubs the job label of a built image's config or the comment of the last history entry of a signed one.
// Images built FROM a hub image inherit its label (and, with buildah, its annotations), so such an image counts as
// the hub's: it is rebuilt for changed inputs, which status and an Event then say.
import { type RegistryClient, parseImageConfig, parseImageReference } from '@kmm-hub/oci';
import type { TagContent } from './decide-tag-use.js';
import { IMAGE_JOB_NAMES } from '../image-queues/jobs.js';

/** The tag's digest and the job that made it; undefined when the tag does not exist. */
export async function readTag(client: RegistryClient, image: string): Promise<TagContent | undefined> {
  const ref = parseImageReference(image);
  const resolved = await client.resolveDigest(ref);
  if (resolved === null) return undefined;
  const fetched = await client.getManifest({
    registry: ref.registry,
    repository: ref.repository,
    digest: resolved.digest,
  });
  // A manifest list or index is never one the pipeline pushed.
  if (fetched.parsed.kind !== 'manifest') return { digest: resolved.digest };
  const annotated = fetched.parsed.manifest.annotations?.[IMAGE_JOB_NAMES.inputsHashAnnotation];
  if (annotated !== undefined) return { digest: resolved.digest, producedBy: annotated };
  const config = parseImageConfig(await client.getBlob(ref.repository, fetched.parsed.manifest.config.digest));
  const comment = config.history?.at(-1)?.comment;
  const producedBy = comment?.startsWith(IMAGE_JOB_NAMES.signComment)
    ? comment.slice(IMAGE_JOB_NAMES.signComment.length)
    : readLabel(config.config, IMAGE_JOB_NAMES.jobLabel);
  return { digest: resolved.digest, ...(producedBy !== undefined ? { producedBy } : {}) };
}

function readLabel(config: Record<string, unknown> | undefined, key: string): string | undefined {
  const labels = config?.['Labels'];
  if (typeof labels !== 'object' || labels === null) return undefined;
  const value = (labels as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
