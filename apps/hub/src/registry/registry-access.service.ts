// The one place the hub builds registry clients: the controller's image checks and the workers' builds and signs
// ask it for a client per (registry, credential, TLS flags, timeout). Clients are kept, so a registry's bearer
// tokens and its HTTPS-or-HTTP answer are negotiated once rather than per check or job, in a bounded map that drops
// the least recently used client and every client of an older version of a credential Secret.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type DockerConfig,
  type ImageReference,
  RegistryClient,
  findCredentials,
  parseImageReference,
} from '@kmm-hub/oci';

/** The registry credentials a caller has: a parsed dockerconfigjson and the Secret version it was read from. */
export interface RegistryAccess {
  config?: DockerConfig;
  /** The credential Secret (name and resourceVersion); a new resourceVersion drops the clients of the old one. */
  secret?: { name: string; resourceVersion: string };
}

/** The registryTLS flags of a mapping (`undefined` = false). */
export interface RegistryTlsOptions {
  insecure?: boolean | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
}

/** How many clients are kept; the least recently used one goes first. */
export const MAX_REGISTRY_CLIENTS = 256;

interface CachedClient {
  client: RegistryClient;
  secretName: string | undefined;
  secretVersion: string | undefined;
}

@Injectable()
export class RegistryAccessService {
  readonly #clients = new Map<string, CachedClient>();

  /** A client for the registry of `image`, with the credentials `access` has for its repository. */
  clientFor(
    image: string | ImageReference,
    tls: RegistryTlsOptions,
    access: RegistryAccess = {},
    options: { timeoutMs?: number } = {},
  ): RegistryClient {
    const ref = typeof image === 'string' ? parseImageReference(image) : image;
    const credentials = access.config && findCredentials(access.config, ref.registry, ref.repository);
    const insecure = tls.insecure ?? false;
    const insecureSkipTLSVerify = tls.insecureSkipTLSVerify ?? false;
    const key = JSON.stringify([
      ref.registry,
      access.secret?.name ?? null,
      access.secret?.resourceVersion ?? null,
      // A digest, so keys hold no password.
      credentials && createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('hex'),
      insecure,
      insecureSkipTLSVerify,
      options.timeoutMs ?? null,
    ]);
    const cached = this.#clients.get(key);
    if (cached) {
      // Most recently used last.
      this.#clients.delete(key);
      this.#clients.set(key, cached);
      return cached.client;
    }
    if (access.secret) this.#forgetOtherVersions(access.secret.name, access.secret.resourceVersion);
    const client = new RegistryClient({
      registry: ref.registry,
      insecure,
      insecureSkipTLSVerify,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(credentials && { credentials }),
    });
    this.#clients.set(key, {
      client,
      secretName: access.secret?.name,
      secretVersion: access.secret?.resourceVersion,
    });
    while (this.#clients.size > MAX_REGISTRY_CLIENTS) this.#clients.delete(this.#clients.keys().next().value!);
    return client;
  }

  /** How many clients are kept now. */
  get size(): number {
    return this.#clients.size;
  }

  #forgetOtherVersions(secretName: string, resourceVersion: string): void {
    for (const [key, entry] of this.#clients) {
      if (entry.secretName === secretName && entry.secretVersion !== resourceVersion) this.#clients.delete(key);
    }
  }
}
