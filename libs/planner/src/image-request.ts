import type { Build, ManagedClusterModule, RegistryTLS, Sign } from '@kmm-hub/api';
import type { ResolvedKernelMapping } from '@kmm-hub/kernel';

/**
 * The contract between the hub controller (which decides that an image is missing) and the image pipeline (which
 * builds and signs it). Everything in a request is already rendered with the one rendering context of its
 * (module, kernel), so the image the pipeline produces is exactly the image the spoke will pull.
 * Requests carry names and versions of Secrets, never their content.
 */
export interface ImageRequest {
  /** The ManagedClusterModule asking; for events and status attribution only (identity does not depend on it). */
  mcm: string;
  /** MOD_NAME and MOD_NAMESPACE as rendered (MCM name, spokeNamespace). */
  moduleName: string;
  moduleNamespace: string;
  kernel: string;
  /** Final image reference (tag form) the spoke will run, after build and sign. */
  image: string;
  build?: Build;
  sign?: Sign;
  registryTLS?: RegistryTLS;
  /** Name of a dockerconfigjson Secret in the hub namespace, and its resourceVersion (part of the job identity). */
  imageRepoSecret?: { name: string; resourceVersion: string };
  /**
   * resourceVersions of every Secret and ConfigMap the build or sign reads (part of the job identity), keyed
   * `ConfigMap/<name>` or `Secret/<name>` (see `inputVersionKey`). A worker that finds another resourceVersion
   * fails the job as superseded (the next request carries the new one). An object without an entry (absent, or not
   * watched) is read at whatever version it has, and changing it does not start a new job.
   */
  inputVersions: Record<string, string>;
  /** modprobe.dirName of the module (default /opt); the default `filesToSign` is `<dirName>/lib/modules/<kernel>/**\/*.ko`. */
  dirName?: string;
  /**
   * The digest `image` resolved to when the controller looked, when it exists (not part of the job identity). When
   * the pipeline's finished job left another digest there, someone wrote the tag since: the progress says so, and
   * the tag is not written again.
   */
  presentDigest?: string;
}

export type ImageInputKind = 'ConfigMap' | 'Secret';

/** Key of an object in `ImageRequest.inputVersions`. */
export function inputVersionKey(kind: ImageInputKind, name: string): string {
  return `${kind}/${name}`;
}

/** The resourceVersion of a hub-namespace input as the caches hold it; undefined when absent or not watched. */
export type ResourceVersionOf = (kind: ImageInputKind, name: string) => string | undefined;

/**
 * What the pipeline is asked for one (MCM, kernel): the resolved mapping's image, build and sign, with the
 * resourceVersion of every Secret and ConfigMap they read (the pull secret, build secrets, the Dockerfile ConfigMap,
 * the signing key and certificate), so that a changed input is a new job.
 */
export function imageRequestOf(
  mcm: ManagedClusterModule,
  kernel: string,
  mapping: ResolvedKernelMapping,
  resourceVersionOf: ResourceVersionOf,
): ImageRequest {
  const versions: Record<string, string> = {};
  const track = (kind: ImageInputKind, name: string | undefined) => {
    if (!name) return;
    const rv = resourceVersionOf(kind, name);
    if (rv) versions[inputVersionKey(kind, name)] = rv;
  };
  for (const s of mapping.build?.secrets ?? []) track('Secret', s.name);
  track('ConfigMap', mapping.build?.dockerfileConfigMap?.name);
  track('Secret', mapping.sign?.keySecret?.name);
  track('Secret', mapping.sign?.certSecret?.name);
  const pullSecret = mcm.spec?.moduleSpec?.imageRepoSecret?.name;
  track('Secret', pullSecret);
  const moduleLoader = mcm.spec?.moduleSpec?.moduleLoader?.container;
  return {
    mcm: mcm.metadata.name ?? '',
    moduleName: mapping.context.module.name,
    moduleNamespace: mapping.context.module.namespace,
    kernel,
    image: mapping.containerImage,
    ...(mapping.build && { build: mapping.build }),
    ...(mapping.sign && { sign: mapping.sign }),
    registryTLS: mapping.registryTLS,
    ...(pullSecret && {
      imageRepoSecret: { name: pullSecret, resourceVersion: versions[inputVersionKey('Secret', pullSecret)] ?? '' },
    }),
    inputVersions: versions,
    ...(moduleLoader?.modprobe?.dirName && { dirName: moduleLoader.modprobe.dirName }),
  };
}
