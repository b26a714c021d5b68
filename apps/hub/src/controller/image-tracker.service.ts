import { Inject, Injectable } from '@nestjs/common';
import type { RegistryTLS } from '@kmm-hub/api';
import {
  findCredentials,
  parseDockerConfig,
  parseImageReference,
  RegistryClient,
  RegistryError,
  type RegistryCredentials,
} from '@kmm-hub/oci';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubCacheService } from './hub-cache.service.js';

export type ImageLookup = { kind: 'present'; digest: string } | { kind: 'absent' } | { kind: 'error'; message: string };

interface Entry {
  result: ImageLookup;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Whether rendered images exist, by HEAD in their registry with the module's imageRepoSecret and registryTLS.
 * Answers are cached briefly (a tag can move) and dropped at once when a build or sign pushes the image.
 */
@Injectable()
export class ImageTrackerService {
  private readonly cache = new Map<string, Entry>();
  private readonly presentTtlMs: number;
  private readonly absentTtlMs: number;

  constructor(
    private readonly caches: HubCacheService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.presentTtlMs = config.IMAGE_CHECK_TTL_S * 1000;
    this.absentTtlMs = Math.min(this.presentTtlMs, 15_000);
  }

  async lookup(
    image: string,
    tls: RegistryTLS,
    imageRepoSecret: string | undefined,
    now = Date.now(),
  ): Promise<ImageLookup> {
    const key = JSON.stringify([
      image,
      imageRepoSecret ?? '',
      tls.insecure ?? false,
      tls.insecureSkipTLSVerify ?? false,
    ]);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.result;
    const result = await this.check(image, tls, imageRepoSecret);
    this.remember(key, result, now);
    return result;
  }

  /** Forgets every answer about this image (any credentials or TLS flags), e.g. after a push. */
  invalidate(image: string): void {
    for (const key of this.cache.keys()) if ((JSON.parse(key) as string[])[0] === image) this.cache.delete(key);
  }

  private remember(key: string, result: ImageLookup, now: number): void {
    if (this.cache.size >= MAX_ENTRIES) {
      for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, {
      result,
      expiresAt: now + (result.kind === 'present' ? this.presentTtlMs : this.absentTtlMs),
    });
  }

  private async check(image: string, tls: RegistryTLS, imageRepoSecret: string | undefined): Promise<ImageLookup> {
    try {
      const ref = parseImageReference(image);
      const credentials = this.credentialsFor(imageRepoSecret, ref.registry, ref.repository);
      if ('error' in credentials) return { kind: 'error', message: credentials.error };
      const client = new RegistryClient({
        registry: ref.registry,
        insecure: tls.insecure ?? false,
        insecureSkipTLSVerify: tls.insecureSkipTLSVerify ?? false,
        ...(credentials.value && { credentials: credentials.value }),
      });
      const found = await client.resolveDigest(ref);
      return found ? { kind: 'present', digest: found.digest } : { kind: 'absent' };
    } catch (err) {
      const message = err instanceof RegistryError || err instanceof Error ? err.message : String(err);
      return { kind: 'error', message: `checking ${image}: ${message}` };
    }
  }

  private credentialsFor(
    secretName: string | undefined,
    registry: string,
    repository: string,
  ): { value: RegistryCredentials | undefined } | { error: string } {
    if (!secretName) return { value: undefined };
    const namespace = this.caches.secrets.list()[0]?.metadata?.namespace;
    const secret = this.caches.secrets.list().find((s) => s.metadata?.name === secretName);
    if (!secret)
      return {
        error: `imageRepoSecret ${secretName} not found in the hub namespace${namespace ? ` ${namespace}` : ''}`,
      };
    const raw = secret.data?.['.dockerconfigjson'];
    if (!raw) return { error: `imageRepoSecret ${secretName} has no key .dockerconfigjson` };
    const parsed = parseDockerConfig(Buffer.from(raw, 'base64'));
    if (!parsed.ok) return { error: `imageRepoSecret ${secretName}: ${parsed.issues.join('; ')}` };
    return { value: findCredentials(parsed.config, registry, repository) };
  }
}
