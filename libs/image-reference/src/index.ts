// Image references, content digests and which scheme a registry is reached over: pure string and hash
// computations, so the planners may use them without importing the registry client (@kmm-hub/oci re-exports them).
export { digestLike, isDigest, sha256Digest } from './digest.js';
export {
  DEFAULT_TAG,
  DOCKER_HUB_API_HOST,
  DOCKER_HUB_REGISTRY,
  type ImageReference,
  InvalidImageReferenceError,
  checkImageReference,
  formatImageReference,
  formatRepository,
  manifestReference,
  normalizeRegistry,
  parseImageReference,
  registryApiHost,
  withDigest,
} from './image-reference.js';
export { type RegistryScheme, type RegistrySchemes, allowsPlainHttp, registrySchemes } from './registry-scheme.js';
