// The bookkeeping of image checks, apart from the registry I/O itself (the caller hands each check in as a
// function): one check in flight per key, shared by every waiter; answers kept from when their check completed;
// at most N checks at a time per registry; exponential backoff after failures; and, when a check lands with a new
// answer, the list of waiters to wake. Callers never wait for a registry here: `peek` answers at once.
import { answerLifetimeMs, describeCheckFailure, type ImageCheckPolicy } from './image-check-schedule.js';

/** What a check learned; `error.message` is the raw failure, the scheduler adds the backoff to it. */
export type CheckResult = { kind: 'present'; digest: string } | { kind: 'absent' } | { kind: 'error'; message: string };

/** What `peek` answers: the last answer (also while it is being refreshed), or `checking` when none exists yet. */
export type CheckAnswer = CheckResult | { kind: 'checking' };

export interface CheckTarget {
  /** Identity of the check: image, credential and TLS flags. One check per key runs at a time. */
  key: string;
  /** The image reference as written, for `invalidate`. */
  image: string;
  /** Registry host, the unit of the concurrency limit. */
  registry: string;
  /** Does the registry I/O. Runs only when the scheduler decides to ask; a throw counts as an error result. */
  run: () => Promise<CheckResult>;
}

export interface ImageCheckSchedulerOptions<W> {
  policy: ImageCheckPolicy;
  /** Checks running at the same time against one registry; the rest wait their turn. */
  concurrencyPerRegistry: number;
  now: () => number;
  /** A check landed with an answer other than the one its waiters were given (or was made moot): wake them. */
  onAnswer: (waiters: W[], target: CheckTarget) => void;
  /** Keys remembered at most (answers of images nobody asks about any more go first). */
  maxEntries?: number;
  /**
   * How long a waiter stays subscribed to an image after it last peeked it. While subscribed it is woken whenever a
   * refresh (`refreshDue`) lands with a new answer, so a pair whose image is settled need not plan again just to
   * notice a moved tag. Default: never subscribed (only the check a peek started wakes its waiters).
   */
  subscriptionTtlMs?: number;
}

/** One failing check, for health details and metrics. */
export interface FailingCheck {
  registry: string;
  image: string;
  message: string;
  failuresInARow: number;
  nextCheckAt: number;
}

interface Flight<W> {
  waiters: Set<W>;
  /** The image was pushed meanwhile: the answer may predate the push, so it is not kept. */
  invalidated: boolean;
}

interface Entry<W> {
  target: CheckTarget;
  answer?: CheckResult;
  /** Completion time of the check that gave `answer` plus its lifetime. */
  validUntil: number;
  failuresInARow: number;
  flight?: Flight<W>;
  /** Waiters woken by every changed answer, with when each last peeked. */
  subscribers: Map<W, number>;
}

interface RegistrySlots {
  active: number;
  queued: (() => void)[];
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class ImageCheckScheduler<W> {
  readonly #entries = new Map<string, Entry<W>>();
  readonly #registries = new Map<string, RegistrySlots>();
  readonly #options: ImageCheckSchedulerOptions<W>;

  constructor(options: ImageCheckSchedulerOptions<W>) {
    this.#options = options;
  }

  /**
   * The answer known now, without waiting. Starts a check when the answer is missing or expired (unless one runs
   * already) and registers `waiter` to be woken when it lands with something new.
   */
  peek(target: CheckTarget, waiter?: W): CheckAnswer {
    const now = this.#options.now();
    let entry = this.#entries.get(target.key);
    if (!entry) {
      this.#makeRoom(now);
      entry = { target, validUntil: 0, failuresInARow: 0, subscribers: new Map() };
      this.#entries.set(target.key, entry);
    }
    if (waiter !== undefined && this.#options.subscriptionTtlMs !== undefined) entry.subscribers.set(waiter, now);
    if (entry.answer && now < entry.validUntil) return entry.answer;
    // The newest closure does the next check (e.g. credentials read from a newer Secret object).
    entry.target = target;
    if (!entry.flight) void this.#fly(entry, (entry.flight = { waiters: new Set(), invalidated: false }));
    if (waiter !== undefined) entry.flight!.waiters.add(waiter);
    return entry.answer ?? { kind: 'checking' };
  }

  /**
   * Starts a check of every image with a subscriber whose answer expired (subscribers that have not peeked within
   * `subscriptionTtlMs` are dropped first). Called on a timer: the image is asked once however many pairs use it,
   * and only a changed answer wakes them. Returns the number of checks started.
   */
  refreshDue(): number {
    const ttl = this.#options.subscriptionTtlMs;
    if (ttl === undefined) return 0;
    const now = this.#options.now();
    let started = 0;
    for (const entry of this.#entries.values()) {
      // Subscribers are looked at only once the answer is due: going over every pair's subscription on every tick
      // cost O(pairs) each few seconds on an idle fleet.
      if (entry.flight || now < entry.validUntil) continue;
      for (const [waiter, lastPeek] of entry.subscribers) if (now - lastPeek > ttl) entry.subscribers.delete(waiter);
      if (entry.subscribers.size === 0) continue;
      void this.#fly(entry, (entry.flight = { waiters: new Set(), invalidated: false }));
      started++;
    }
    return started;
  }

  /** Forgets every answer about this image (any credential or TLS flags), e.g. after a build pushed it. */
  invalidate(image: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.target.image !== image) continue;
      if (!entry.flight) {
        // Subscribed pairs must hear about the pushed image: keep them, with no answer, for the next refresh.
        if (entry.subscribers.size === 0) this.#entries.delete(key);
        else forgetAnswer(entry);
        continue;
      }
      entry.flight.invalidated = true;
      forgetAnswer(entry);
    }
  }

  /** Checks queued or running, per registry. */
  inFlight(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { target, flight } of this.#entries.values())
      if (flight) counts.set(target.registry, (counts.get(target.registry) ?? 0) + 1);
    return counts;
  }

  /** Checks whose last attempt failed. */
  failing(): FailingCheck[] {
    const failing: FailingCheck[] = [];
    for (const { target, answer, failuresInARow, validUntil } of this.#entries.values()) {
      if (answer?.kind !== 'error') continue;
      failing.push({
        registry: target.registry,
        image: target.image,
        message: answer.message,
        failuresInARow,
        nextCheckAt: validUntil,
      });
    }
    return failing;
  }

  async #fly(entry: Entry<W>, flight: Flight<W>): Promise<void> {
    const { registry } = entry.target;
    if (!this.#tryAcquire(registry)) await this.#queueFor(registry);
    let result: CheckResult;
    try {
      result = await entry.target.run();
    } catch (err) {
      result = { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    } finally {
      this.#release(registry);
    }
    const completedAt = this.#options.now();
    entry.flight = undefined;
    const waiters = [...new Set([...flight.waiters, ...entry.subscribers.keys()])];
    if (flight.invalidated) {
      // Asked before the push: wake the waiters so they ask again (and start a check that sees the pushed image).
      if (entry.subscribers.size === 0) this.#entries.delete(entry.target.key);
      else forgetAnswer(entry);
      if (waiters.length > 0) this.#options.onAnswer(waiters, entry.target);
      return;
    }
    const previous = entry.answer;
    entry.failuresInARow = result.kind === 'error' ? entry.failuresInARow + 1 : 0;
    const lifetime = answerLifetimeMs(result.kind, entry.failuresInARow, this.#options.policy);
    const answer: CheckResult =
      result.kind === 'error'
        ? {
            kind: 'error',
            message: describeCheckFailure({
              registry,
              message: result.message,
              failuresInARow: entry.failuresInARow,
              retryInMs: lifetime,
            }),
          }
        : result;
    entry.answer = answer;
    entry.validUntil = completedAt + lifetime;
    if (waiters.length > 0 && !sameAnswer(previous, answer)) this.#options.onAnswer(waiters, entry.target);
  }

  /** Takes a slot of the registry if one is free (then the check starts within `peek`, with no extra tick). */
  #tryAcquire(registry: string): boolean {
    let slots = this.#registries.get(registry);
    if (!slots) this.#registries.set(registry, (slots = { active: 0, queued: [] }));
    if (slots.active >= this.#options.concurrencyPerRegistry) return false;
    slots.active++;
    return true;
  }

  /** Resolves when a finishing check of the registry hands its slot over. */
  #queueFor(registry: string): Promise<void> {
    return new Promise((resolve) => this.#registries.get(registry)!.queued.push(resolve));
  }

  /** Hands the slot to the next queued check of the registry, or frees it. */
  #release(registry: string): void {
    const slots = this.#registries.get(registry);
    if (!slots) return;
    const next = slots.queued.shift();
    if (next) return next();
    slots.active--;
    if (slots.active === 0) this.#registries.delete(registry);
  }

  /** Keeps the map bounded: expired answers of idle keys go first, then the oldest idle keys. */
  #makeRoom(now: number): void {
    const max = this.#options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (this.#entries.size < max) return;
    for (const [key, entry] of this.#entries) if (!entry.flight && entry.validUntil <= now) this.#entries.delete(key);
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < max) return;
      if (!entry.flight) this.#entries.delete(key);
    }
  }
}

function forgetAnswer(entry: Entry<unknown>): void {
  delete entry.answer;
  entry.validUntil = 0;
  entry.failuresInARow = 0;
}

function sameAnswer(a: CheckAnswer | undefined, b: CheckAnswer): boolean {
  if (a === undefined || a.kind !== b.kind) return false;
  if (a.kind === 'present') return a.digest === (b as { digest: string }).digest;
  if (a.kind === 'error') return a.message === (b as { message: string }).message;
  return true;
}
