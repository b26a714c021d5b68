// Reads the ConfigMaps and Secrets of the hub namespace that builds and signs use, checking each against the
// resourceVersion its job was planned with. Secret content stays in memory for the job and is never logged.
import { Inject, Injectable } from '@nestjs/common';
import { BUILTIN_RESOURCES, KubeApiError, KubeHttp, ResourceClient, isNotFound } from '@kmm-hub/kube';
import { ImageInputError, SupersededError } from './image-job-errors.js';
import { IMAGES_OPTIONS, type ImagesOptions } from './images.options.js';
import type { ObjectVersion } from './jobs.js';

interface ObjectWithData {
  metadata?: { resourceVersion?: string };
  data?: Record<string, string>;
}

/** The key of a kubernetes.io/dockerconfigjson Secret. */
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
/** The key of the Dockerfile ConfigMap (upstream KMM). */
export const DOCKERFILE_KEY = 'dockerfile';

@Injectable()
export class HubInputsService {
  readonly #http: KubeHttp;
  readonly #namespace: string;

  constructor(http: KubeHttp, @Inject(IMAGES_OPTIONS) options: ImagesOptions) {
    this.#http = http;
    this.#namespace = options.namespace;
  }

  get namespace(): string {
    return this.#namespace;
  }

  /** The Dockerfile text from the ConfigMap's `dockerfile` key. */
  async readDockerfile(ref: ObjectVersion): Promise<string> {
    const configMap = await this.#read('ConfigMap', ref);
    const text = configMap.data?.[DOCKERFILE_KEY];
    if (text === undefined || text.trim().length === 0) {
      throw new ImageInputError(`ConfigMap ${this.#namespace}/${ref.name} has no key "${DOCKERFILE_KEY}"`);
    }
    return text;
  }

  /** Every key of a Secret, decoded. */
  async readSecret(ref: ObjectVersion): Promise<Map<string, Buffer>> {
    const secret = await this.#read('Secret', ref);
    return new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  }

  /** One key of a Secret, decoded; a Secret without it is an input error naming the key. */
  async readSecretKey(ref: ObjectVersion, key: string, purpose: string): Promise<Buffer> {
    const value = (await this.readSecret(ref)).get(key);
    if (value === undefined || value.byteLength === 0) {
      throw new ImageInputError(`${purpose} Secret ${this.#namespace}/${ref.name} has no key "${key}"`);
    }
    return value;
  }

  async #read(kind: 'ConfigMap' | 'Secret', ref: ObjectVersion): Promise<ObjectWithData> {
    let object: ObjectWithData;
    try {
      object = await new ResourceClient<ObjectWithData>(this.#http, BUILTIN_RESOURCES[kind]).get(ref.name, {
        namespace: this.#namespace,
      });
    } catch (error) {
      if (isNotFound(error)) {
        throw new ImageInputError(`${kind} ${this.#namespace}/${ref.name} not found`);
      }
      if (error instanceof KubeApiError) {
        // The API server's message names the object and the verb, never its content.
        throw new KubeApiError(
          error.status,
          error.reason,
          `read ${kind} ${this.#namespace}/${ref.name}: ${error.message}`,
        );
      }
      throw new Error(`read ${kind} ${this.#namespace}/${ref.name}`, { cause: error });
    }
    const found = object.metadata?.resourceVersion ?? '';
    // '' means the object was absent (or unknown) when the job was planned: any version is the one to use.
    if (ref.resourceVersion !== '' && found !== ref.resourceVersion) {
      throw new SupersededError(
        `${kind} ${this.#namespace}/${ref.name} changed since the job was queued (resourceVersion ${ref.resourceVersion}, now ${found}); a newer job replaces this one`,
      );
    }
    return object;
  }
}
