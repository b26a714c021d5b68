// Test images pushed through the project's one registry client: a one-layer image of the given files, as OCI or
// Docker v2 schema 2. Shared by every test that needs an image in the environment's registry.
import {
  buildLayer,
  MEDIA_TYPE,
  type BuiltLayer,
  type Descriptor,
  type LayerFile,
  type RegistryClient,
} from '@kmm-hub/oci';

export interface PushedImage {
  ref: string;
  digest: string;
  bytes: Buffer;
  descriptor: Descriptor;
}

/** Pushes a one-layer image holding `files`, as OCI or Docker v2 schema 2, through `sut`. */
export async function pushImage(
  sut: RegistryClient,
  repository: string,
  tag: string,
  files: LayerFile[],
  options: { format?: 'oci' | 'docker'; architecture?: string; lowerLayers?: BuiltLayer[] } = {},
): Promise<PushedImage> {
  const docker = options.format === 'docker';
  const layers = [...(options.lowerLayers ?? []), await buildLayer(files)];
  const diffIds = layers.map((l) => l.diffId);
  const layerDescriptors: Descriptor[] = [];
  for (const layer of layers) {
    const pushed = await sut.pushBlob(repository, layer.blob);
    layerDescriptors.push({ mediaType: docker ? MEDIA_TYPE.DOCKER_LAYER_GZIP : MEDIA_TYPE.OCI_LAYER_GZIP, ...pushed });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created_by: `layer ${i}` })),
    }),
  );
  const configDescriptor = await sut.pushBlob(repository, config);
  const mediaType = docker ? MEDIA_TYPE.DOCKER_MANIFEST : MEDIA_TYPE.OCI_MANIFEST;
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? MEDIA_TYPE.DOCKER_CONFIG : MEDIA_TYPE.OCI_CONFIG, ...configDescriptor },
      layers: layerDescriptors,
    }),
  );
  const ref = `${sut.registry}/${repository}:${tag}`;
  const digest = await sut.pushManifest(ref, bytes, mediaType);
  return { ref, digest, bytes, descriptor: { mediaType, digest, size: bytes.byteLength } };
}
