import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { RegistryTLS } from '@kmm-hub/api';
import { parseDockerConfig, parseImageReference, type ImageReference } from '@kmm-hub/oci';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { HubMetrics } from '../metrics/metrics.js';
import { HubCacheService } from '../hub-cache/hub-cache.service.js';
import { RegistryAccessService, type RegistryAccess } from '../registry/registry-access.service.js';
import { ImageCheckScheduler, type CheckAnswer, type CheckResult, type FailingCheck } from './image-check-scheduler.js';
import type { ReconcileKey } from './reconcile-keys.js';

/** `checking`: the registry is being asked in the background and nothing is known yet. */
export type ImageLookup = CheckAnswer;

/** Registries whose checks fail, for the health details (at most this many). */
const MAX_FAILING_REGISTRIES = 20;
/**
 * A pair whose images are settled plans again only every RESYNC_INTERVAL_S (see `clusterRecheckAfterMs`);
 * meanwhile its images are re-checked once per TTL each, and a changed answer wakes it. It stays subscribed for
 * this many resync intervals after its last look, so a pair that went away stops costing checks.
 */
const SUBSCRIPTION_RESYNCS = 3;

/**
 * Whether rendered images exist, by HEAD in their registry with the module's imageRepoSecret and registryTLS.
 * `peek` never waits for a registry: it answers with what is known and checks in the background, one check per
 * (image, credential, TLS flags) however many clusters ask, at most IMAGE_CHECK_CONCURRENCY_PER_REGISTRY at a time
 * per registry, backing off after failures. When a check lands with a new answer, the reconcile keys that asked are
 * handed to the `onChecked` listeners. Answers are cached from the check's completion (a tag can move) and dropped
 * at once when a build or sign pushes the image.
 */
@Injectable()
export class ImageTrackerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ImageTrackerService.name);
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly refreshEveryMs: number;
  private readonly scheduler: ImageCheckScheduler<ReconcileKey>;
  private readonly listeners: ((waiters: ReconcileKey[]) => void)[] = [];
  private readonly timeoutMs: number;

  constructor(
    private readonly caches: HubCacheService,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly metrics: HubMetrics,
    private readonly registries: RegistryAccessService,
  ) {
    const presentTtlMs = config.IMAGE_CHECK_TTL_S * 1000;
    this.timeoutMs = config.IMAGE_CHECK_TIMEOUT_S * 1000;
    this.scheduler = new ImageCheckScheduler<ReconcileKey>({
      policy: {
        presentTtlMs,
        absentTtlMs: Math.min(presentTtlMs, 15_000),
        backoffBaseMs: config.IMAGE_CHECK_BACKOFF_S * 1000,
        backoffMaxMs: Math.max(config.IMAGE_CHECK_BACKOFF_MAX_S, config.IMAGE_CHECK_BACKOFF_S) * 1000,
      },
      concurrencyPerRegistry: config.IMAGE_CHECK_CONCURRENCY_PER_REGISTRY,
      now: Date.now,
      onAnswer: (waiters) => this.listeners.forEach((listener) => listener(waiters)),
      subscriptionTtlMs: SUBSCRIPTION_RESYNCS * Math.max(config.RESYNC_INTERVAL_S * 1000, presentTtlMs),
    });
    this.refreshEveryMs = Math.min(presentTtlMs, 5_000);
    metrics.setChecksInFlightSource(() => this.scheduler.inFlight());
  }

  onApplicationBootstrap(): void {
    // One timer for every image: each is asked once per TTL however many pairs use it (no timer per pair).
    this.refreshTimer = setInterval(() => this.scheduler.refreshDue(), this.refreshEveryMs);
    this.refreshTimer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.refreshTimer);
  }

  /**
   * What is known now about the image, without waiting for its registry: its digest, its absence, the last
   * failure (with the backoff), or `checking`. Starts a check when the answer is missing or expired; `waiter` is
   * handed to the `onChecked` listeners when that check lands with a new answer.
   */
  peek(image: string, tls: RegistryTLS, imageRepoSecret: string | undefined, waiter?: ReconcileKey): ImageLookup {
    let ref: ImageReference;
    try {
      ref = parseImageReference(image);
    } catch (err) {
      return { kind: 'error', message: `checking ${image}: ${err instanceof Error ? err.message : String(err)}` };
    }
    // Read from the informer cache, so a wrong or missing Secret is reported at once and asks no registry.
    const credentials = this.credentialsFor(imageRepoSecret);
    if ('error' in credentials) return { kind: 'error', message: credentials.error };
    const insecure = tls.insecure ?? false;
    const insecureSkipTLSVerify = tls.insecureSkipTLSVerify ?? false;
    return this.scheduler.peek(
      {
        // A changed Secret is a new credential: its first check is not held back by the old one's failures.
        key: JSON.stringify([image, credentials.version, insecure, insecureSkipTLSVerify]),
        image,
        registry: ref.registry,
        run: () => this.check(ref, { insecure, insecureSkipTLSVerify }, credentials.value),
      },
      waiter,
    );
  }

  /** Called with the reconcile keys that asked about an image whose check landed with a new answer. */
  onChecked(listener: (waiters: ReconcileKey[]) => void): void {
    this.listeners.push(listener);
  }

  /** Forgets every answer about this image (any credentials or TLS flags), e.g. after a push. */
  invalidate(image: string): void {
    this.scheduler.invalidate(image);
  }

  /**
   * Registries whose last checks failed, for the health details: per registry the number of failing checks, the
   * newest failure and when the first of them is asked again.
   */
  failingRegistries(): Record<string, { failingChecks: number; lastError: string; nextCheckInS: number }> {
    const byRegistry = new Map<string, FailingCheck[]>();
    for (const failure of this.scheduler.failing()) {
      const list = byRegistry.get(failure.registry) ?? [];
      list.push(failure);
      byRegistry.set(failure.registry, list);
    }
    const now = Date.now();
    return Object.fromEntries(
      [...byRegistry]
        .toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, MAX_FAILING_REGISTRIES)
        .map(([registry, failures]) => [
          registry,
          {
            failingChecks: failures.length,
            lastError: failures.reduce((a, b) => (a.nextCheckAt >= b.nextCheckAt ? a : b)).message,
            nextCheckInS: Math.max(0, Math.ceil((Math.min(...failures.map((f) => f.nextCheckAt)) - now) / 1000)),
          },
        ]),
    );
  }

  private async check(
    ref: ImageReference,
    tls: { insecure: boolean; insecureSkipTLSVerify: boolean },
    access: RegistryAccess,
  ): Promise<CheckResult> {
    const client = this.registries.clientFor(ref, tls, access, { timeoutMs: this.timeoutMs });
    try {
      const found = await client.resolveDigest(ref);
      this.metrics.observeRegistryCheck(ref.registry, true);
      return found ? { kind: 'present', digest: found.digest } : { kind: 'absent' };
    } catch (err) {
      this.metrics.observeRegistryCheck(ref.registry, false);
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ registry: ref.registry, repository: ref.repository, err: message }, 'image check failed');
      return { kind: 'error', message };
    }
  }

  private credentialsFor(
    secretName: string | undefined,
  ): { value: RegistryAccess; version: string } | { error: string } {
    if (!secretName) return { value: {}, version: '' };
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
    return {
      value: {
        config: parsed.config,
        secret: { name: secretName, resourceVersion: secret.metadata?.resourceVersion ?? '' },
      },
      version: `${secretName}@${secret.metadata?.uid ?? ''}/${secret.metadata?.resourceVersion ?? ''}`,
    };
  }
}
