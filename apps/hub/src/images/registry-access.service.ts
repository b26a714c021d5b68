// Registry clients for the images a job reads and writes, with the credentials of the module's imageRepoSecret
// (a dockerconfigjson Secret in the hub namespace) and the TLS flags of the mapping.
import { Injectable } from '@nestjs/common';
import {
  type DockerConfig,
  type ImageReference,
  RegistryClient,
  findCredentials,
  parseDockerConfig,
  parseImageReference,
} from '@kmm-hub/oci';
import { ImageInputError } from './image-job-errors.js';
import { DOCKER_CONFIG_JSON_KEY, HubInputsService } from './hub-inputs.service.js';
import type { ObjectVersion, RegistryTlsFlags } from './jobs.js';

/** The pull secret of a job, read once: raw bytes for builders that take an auth file, parsed for our client. */
export interface RegistryAuth {
  dockerConfigJson?: Buffer;
  config?: DockerConfig;
}

@Injectable()
export class RegistryAccessService {
  constructor(private readonly inputs: HubInputsService) {}

  async readAuth(imageRepoSecret: ObjectVersion | undefined): Promise<RegistryAuth> {
    if (imageRepoSecret === undefined) return {};
    const bytes = await this.inputs.readSecretKey(imageRepoSecret, DOCKER_CONFIG_JSON_KEY, 'imageRepoSecret');
    const parsed = parseDockerConfig(bytes);
    if (!parsed.ok) {
      throw new ImageInputError(
        `imageRepoSecret ${this.inputs.namespace}/${imageRepoSecret.name}: ${parsed.issues.join('; ')}`,
      );
    }
    return { dockerConfigJson: bytes, config: parsed.config };
  }

  /** A client for the registry of `image`, with the credentials the auth has for its repository. */
  clientFor(image: string | ImageReference, tls: RegistryTlsFlags, auth: RegistryAuth): RegistryClient {
    const ref = typeof image === 'string' ? parseImageReference(image) : image;
    const credentials =
      auth.config !== undefined ? findCredentials(auth.config, ref.registry, ref.repository) : undefined;
    return new RegistryClient({
      registry: ref.registry,
      insecure: tls.insecure,
      insecureSkipTLSVerify: tls.insecureSkipTLSVerify,
      ...(credentials !== undefined ? { credentials } : {}),
    });
  }
}
