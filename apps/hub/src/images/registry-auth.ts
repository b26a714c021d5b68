// The pull secret of a build or sign job: the module's imageRepoSecret (a dockerconfigjson Secret in the hub
// namespace), read once per job at the resourceVersion the job was planned with.
import { type DockerConfig, parseDockerConfig } from '@kmm-hub/oci';
import type { RegistryAccess } from '../registry/registry-access.service.js';
import { ImageInputError } from './image-job-errors.js';
import { DOCKER_CONFIG_JSON_KEY, type HubInputsService } from './hub-inputs.service.js';
import type { ObjectVersion } from '../image-queues/jobs.js';

/** Raw bytes for builders that take an auth file; parsed, with its Secret version, for our registry clients. */
export interface RegistryAuth extends RegistryAccess {
  dockerConfigJson?: Buffer;
  config?: DockerConfig;
}

export async function readRegistryAuth(
  inputs: HubInputsService,
  imageRepoSecret: ObjectVersion | undefined,
): Promise<RegistryAuth> {
  if (imageRepoSecret === undefined) return {};
  const bytes = await inputs.readSecretKey(imageRepoSecret, DOCKER_CONFIG_JSON_KEY, 'imageRepoSecret');
  const parsed = parseDockerConfig(bytes);
  if (!parsed.ok) {
    throw new ImageInputError(
      `imageRepoSecret ${inputs.namespace}/${imageRepoSecret.name}: ${parsed.issues.join('; ')}`,
    );
  }
  return { dockerConfigJson: bytes, config: parsed.config, secret: imageRepoSecret };
}
