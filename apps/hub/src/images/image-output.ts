// Whether a tag already holds what a job produces: built images carry the job id as a label, signed images as the
// comment of the history entry of the layer the sign job added. A retried or repeated job that finds its own
// output returns it instead of building, signing or pushing again.
import { type RegistryClient, parseImageConfig, parseImageReference } from '@kmm-hub/oci';
import { IMAGE_JOB_NAMES } from './jobs.js';

export type ImageOutputKind = 'build' | 'sign';

/** The digest `image` resolves to when it was produced by `jobId`; undefined when it is absent or made otherwise. */
export async function findJobOutput(
  client: RegistryClient,
  image: string,
  kind: ImageOutputKind,
  jobId: string,
): Promise<string | undefined> {
  const ref = parseImageReference(image);
  const resolved = await client.resolveDigest(ref);
  if (resolved === null) return undefined;
  const fetched = await client.getManifest({
    registry: ref.registry,
    repository: ref.repository,
    digest: resolved.digest,
  });
  if (fetched.parsed.kind !== 'manifest') return undefined;
  const config = parseImageConfig(await client.getBlob(ref.repository, fetched.parsed.manifest.config.digest));
  const found = kind === 'build' ? readLabel(config.config, IMAGE_JOB_NAMES.jobLabel) : config.history?.at(-1)?.comment;
  const expected = kind === 'build' ? jobId : `${IMAGE_JOB_NAMES.signComment}${jobId}`;
  return found === expected ? resolved.digest : undefined;
}

function readLabel(config: Record<string, unknown> | undefined, key: string): string | undefined {
  const labels = config?.['Labels'];
  if (typeof labels !== 'object' || labels === null) return undefined;
  const value = (labels as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
