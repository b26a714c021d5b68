// Image references as container runtimes read them (the grammar of distribution's `reference` package, with
// Docker Hub normalisation): `[host[:port]/]path[:tag][@digest]`.

import { isDigest } from './digest.js';

export interface ImageReference {
  /** Registry as written in references: `docker.io`, `quay.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/nginx`, `kmm/hello`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export class InvalidImageReferenceError extends Error {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference "${reference}": ${reason}`);
    this.name = 'InvalidImageReferenceError';
  }
}

export const DOCKER_HUB_REGISTRY = 'docker.io';
/** Host that serves the registry API for `docker.io` references. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
export const DEFAULT_TAG = 'latest';
/** Longest `registry/repository`, as in distribution's reference package. */
export const MAX_NAME_LENGTH = 255;

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]{1,5}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_SHAPE = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-zA-Z]+$/;

/** Parses and normalises a reference; throws {@link InvalidImageReferenceError} naming the first problem found. */
export function parseImageReference(text: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidImageReferenceError(text, reason);
  };
  if (text.length === 0) fail('reference is empty');
  if (/\s/.test(text)) fail('reference contains whitespace');
  if (text.includes('://')) fail('reference must not contain a URL scheme');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_SHAPE.test(digest)) fail(`digest "${digest}" is not of the form <algorithm>:<hex>`);
    const algorithm = digest.slice(0, digest.indexOf(':'));
    if (algorithm !== 'sha256' && algorithm !== 'sha512') fail(`digest algorithm "${algorithm}" is not supported`);
    if (!isDigest(digest)) {
      fail(
        `digest "${digest}" must be ${algorithm}: followed by ${algorithm === 'sha256' ? 64 : 128} lower-case hex digits`,
      );
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length === 0) fail('tag is empty');
    if (tag.length > 128) fail(`tag is ${tag.length} characters long, at most 128 are allowed`);
    if (!TAG.test(tag)) {
      fail(
        `tag "${tag}" is invalid: it may hold letters, digits, "_", "." and "-", and must not start with "." or "-"`,
      );
    }
  }

  if (rest.length === 0) fail('repository name is empty');
  const { registry, path } = splitRegistry(rest);
  validateRegistry(registry, fail);
  let repository = path;
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  validateRepository(repository, fail);
  const nameLength = registry.length + 1 + repository.length;
  if (nameLength > MAX_NAME_LENGTH)
    fail(`name is ${nameLength} characters long, at most ${MAX_NAME_LENGTH} are allowed`);

  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Result form of {@link parseImageReference} for validating user input. */
export function checkImageReference(
  text: string,
): { ok: true; value: ImageReference } | { ok: false; issues: string[] } {
  try {
    return { ok: true, value: parseImageReference(text) };
  } catch (error) {
    if (error instanceof InvalidImageReferenceError) return { ok: false, issues: [error.reason] };
    throw error;
  }
}

/** `registry/repository[:tag][@digest]`, fully qualified (Docker Hub references keep `docker.io/library/`). */
export function formatImageReference(ref: ImageReference): string {
  let out = formatRepository(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** `registry/repository`. */
export function formatRepository(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The image pinned to `digest`: `registry/repository@digest`, with any tag dropped. */
export function withDigest(ref: ImageReference | string, digest: string): string {
  if (!isDigest(digest)) throw new Error(`pin image: "${digest}" is not a sha256 or sha512 digest`);
  const parsed = typeof ref === 'string' ? parseImageReference(ref) : ref;
  return `${formatRepository(parsed)}@${digest}`;
}

/** What goes after `/manifests/` in the registry API: the digest when there is one, else the tag, else `latest`. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** Host (and port) that serves the registry API for a registry as written in references. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/** Registry names as written in references and credentials, with Docker Hub's aliases folded into `docker.io`. */
export function normalizeRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB_REGISTRY : registry;
}

// The first path component is a registry when it has a "." or ":", is "localhost", or has upper-case letters
// (repository paths are lower-case), as container runtimes decide it.
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { registry: DOCKER_HUB_REGISTRY, path: name };
  const first = name.slice(0, slash);
  const isRegistry = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  if (!isRegistry) return { registry: DOCKER_HUB_REGISTRY, path: name };
  return { registry: normalizeRegistry(first), path: name.slice(slash + 1) };
}

function validateRegistry(registry: string, fail: (reason: string) => never): void {
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    host = close === -1 ? registry : registry.slice(0, close + 1);
    const after = registry.slice(host.length);
    if (after.length > 0) {
      if (!after.startsWith(':')) fail(`registry "${registry}" is invalid`);
      port = after.slice(1);
    }
    if (!IPV6_HOST.test(host)) fail(`registry host "${host}" is not a valid IPv6 address in brackets`);
  } else {
    const colon = registry.indexOf(':');
    if (colon !== -1) {
      host = registry.slice(0, colon);
      port = registry.slice(colon + 1);
    }
    if (host.length === 0) fail(`registry "${registry}" has an empty host`);
    for (const component of host.split('.')) {
      if (!DOMAIN_COMPONENT.test(component)) fail(`registry host "${host}" has an invalid component "${component}"`);
    }
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) {
    fail(`registry port "${port}" is not a number between 0 and 65535`);
  }
}

function validateRepository(repository: string, fail: (reason: string) => never): void {
  if (repository.length === 0) fail('repository name is empty');
  if (repository !== repository.toLowerCase()) fail(`repository "${repository}" must be lower-case`);
  for (const component of repository.split('/')) {
    if (component.length === 0) fail(`repository "${repository}" has an empty path component`);
    if (!PATH_COMPONENT.test(component)) {
      fail(
        `repository path component "${component}" is invalid: use lower-case letters and digits, separated by ".", "_", "__" or "-"`,
      );
    }
  }
}
