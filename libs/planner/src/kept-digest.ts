// Which published digest a kernel keeps while its image is checked again (the published images themselves are decoded
// from the ManifestWork by publishedImages in @kmm-hub/manifestwork).
import { isDigest, withDigest } from '@kmm-hub/oci';

/**
 * The digest of a published image, if it pins the repository `image` names now: a mapping moved to another
 * repository must not get the old repository's digest while its new image is checked.
 */
export function keptDigest(pinned: string | undefined, image: string): string | undefined {
  const digest = pinned?.slice(pinned.lastIndexOf('@') + 1);
  if (!pinned || !digest || !isDigest(digest)) return undefined;
  try {
    return withDigest(image, digest) === pinned ? digest : undefined;
  } catch {
    return undefined; // an image reference that does not parse pins nothing
  }
}
