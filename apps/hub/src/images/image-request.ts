import type { ManagedClusterModule } from '@kmm-hub/api';
import type { ResolvedKernelMapping } from '@kmm-hub/kernel';
import { inputVersionKey, type ImageRequest } from './image-pipeline.js';

/** The resourceVersion of a Secret or ConfigMap of the hub namespace, when the hub's cache holds it. */
export type InputVersionOf = (kind: 'ConfigMap' | 'Secret', name: string) => string | undefined;

/**
 * The pipeline request for one MCM's image of one kernel: the same fields, with the same input versions, as the
 * ManagedClusterModuleReconciler sends for a cluster that runs the kernel (its `imageRequest`), so the content-hash
 * job id is the same and an image prebuilt for preflight or an upcoming kernel is never built again.
 */
export function imageRequestFor(
  mcm: ManagedClusterModule,
  kernel: string,
  m: ResolvedKernelMapping,
  versionOf: InputVersionOf,
): ImageRequest {
  const versions: Record<string, string> = {};
  const record = (kind: 'ConfigMap' | 'Secret', name: string | undefined) => {
    if (!name) return;
    const rv = versionOf(kind, name);
    if (rv) versions[inputVersionKey(kind, name)] = rv;
  };
  for (const s of m.build?.secrets ?? []) record('Secret', s.name);
  record('ConfigMap', m.build?.dockerfileConfigMap?.name);
  record('Secret', m.sign?.keySecret?.name);
  record('Secret', m.sign?.certSecret?.name);
  const pullSecret = mcm.spec?.moduleSpec?.imageRepoSecret?.name;
  record('Secret', pullSecret);
  const moduleLoader = mcm.spec?.moduleSpec?.moduleLoader?.container;
  return {
    mcm: mcm.metadata.name ?? '',
    moduleName: m.context.module.name,
    moduleNamespace: m.context.module.namespace,
    kernel,
    image: m.containerImage,
    ...(m.build && { build: m.build }),
    ...(m.sign && { sign: m.sign }),
    registryTLS: m.registryTLS,
    ...(pullSecret && {
      imageRepoSecret: { name: pullSecret, resourceVersion: versions[inputVersionKey('Secret', pullSecret)] ?? '' },
    }),
    inputVersions: versions,
    ...(moduleLoader?.modprobe?.dirName && { dirName: moduleLoader.modprobe.dirName }),
  };
}
