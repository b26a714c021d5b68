// Signed-out web sessions, so that signing out ends a session for every copy of its cookie: the sealed cookie is
// valid on its own until its access token expires, so each session carries an id (`jti`) and sign-out records that
// id until the session's own expiry. The list lives in Redis, on the connection of the process's one BullMQ client:
// every `api` replica already depends on it, a write is visible to the next read on any replica (no propagation
// delay, unlike a watched Kubernetes object, which would also need write access for the internet-facing role), and
// Redis expires each entry with its session, so the list holds exactly the signed-out sessions still alive.
// Losing Redis's data revives signed-out sessions until they expire (at most the access token's lifetime); while
// Redis does not answer, cookie sessions are refused with 503 rather than trusted.
import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module.js';
import type { HubConfig } from '../config/config.schema.js';
import { ImageQueueClient } from '../image-queues/image-queue.client.js';
import { QUEUES } from '../image-queues/jobs.js';
import { withTimeout } from '../image-queues/with-timeout.js';

const REDIS_TIMEOUT_MS = 3_000;

@Injectable()
export class SessionRevocationsService {
  readonly #prefix: string;

  constructor(
    private readonly queues: ImageQueueClient,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.#prefix = `${config.QUEUE_PREFIX}:signed-out-session:`;
  }

  /** Records that session `id` is signed out until `expiresAt` (seconds since the epoch), when it expires anyway. */
  async revoke(id: string, expiresAt: number, nowMs: number): Promise<void> {
    const ttlMs = expiresAt * 1000 - nowMs;
    if (ttlMs <= 0) return;
    const redis = await this.#redis();
    await withTimeout(redis.set(this.#prefix + id, '1', { PX: ttlMs }), REDIS_TIMEOUT_MS, 'Redis');
  }

  async isRevoked(id: string): Promise<boolean> {
    const redis = await this.#redis();
    return (await withTimeout(redis.get(this.#prefix + id), REDIS_TIMEOUT_MS, 'Redis')) !== null;
  }

  #redis() {
    return withTimeout(this.queues.queue(QUEUES.build).getBackend().client, REDIS_TIMEOUT_MS, 'Redis');
  }
}
