// The registry adapter; the pure reference helpers live in @kmm-hub/image-reference and are re-exported here for
// the callers of the client.
export { type AppendLayerOptions, type AppendedImage, type AppendedLayer, appendLayerToImage } from './append-layer.js';
export {
  type DockerConfig,
  type DockerConfigEntry,
  type DockerConfigResult,
  RegistryCredentials,
  findCredentials,
  parseDockerConfig,
} from './docker-config.js';
export {
  type AppendLayerRequest,
  type AppendLayerResult,
  type ImageFiles,
  type ImageSelection,
  appendLayer,
  readImageFiles,
} from './image-layers.js';
// References, digests and the plain-HTTP rule are pure and live in @kmm-hub/image-reference; re-exported whole so
// a caller of the registry client needs one import.
export * from '@kmm-hub/image-reference';
export {
  type BuiltLayer,
  type LayerChanges,
  type LayerEntry,
  type LayerEntryType,
  type LayerFile,
  buildLayer,
  readLayer,
  stackLayers,
} from './layer-tar.js';
export {
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type ParsedManifest,
  type Platform,
  parseImageConfig,
  parseManifest,
} from './manifest.js';
export {
  MANIFEST_ACCEPT,
  MEDIA_TYPE,
  type MediaType,
  isImageManifestMediaType,
  isIndexMediaType,
} from './media-types.js';
export { globToRegExp, matchAnyGlob, normalizeImagePath } from './path-glob.js';
export {
  type PlatformSpec,
  formatPlatform,
  parsePlatform,
  platformMatches,
  selectPlatformManifest,
} from './platform.js';
export { CLIENT_ERROR_CODE, type ClientErrorCode, RegistryError, isTransientStatus } from './registry-error.js';
export {
  type BlobDescriptor,
  type FetchedManifest,
  type ManifestDescriptor,
  RegistryClient,
  type RegistryClientOptions,
  type ResolveOptions,
} from './registry.client.js';
export {
  type AuthChallenge,
  type BearerChallenge,
  findBearerChallenge,
  parseWwwAuthenticate,
} from './www-authenticate.js';
