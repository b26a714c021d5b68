import type { V1Lease } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClientConfig } from './kube-config.js';
import { KubeApiError, KubeHttp } from './kube-http.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per process, e.g. `${hostname}_${pid}`. */
  identity: string;
  leaseDurationSeconds?: number;
  /** How often the leader renews and a candidate retries; about a third of the lease duration. */
  retryPeriodMs?: number;
  now?: () => Date;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  onError?: (error: unknown) => void;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}

function isConflict(err: unknown): boolean {
  const status = statusOf(err);
  return status === 409 || status === 404;
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function toMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Whether a lease held by someone else has run out: renewTime + leaseDuration is in the past. */
export function isLeaseExpired(lease: V1Lease, now: Date): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return true;
  const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
  return renewed + (spec.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
}

/**
 * Lease-based leader election with optimistic concurrency (replace with the read resourceVersion; a 409 means
 * somebody else won). The leader renews every retry period and steps down when it cannot renew before its own lease
 * would expire, so two leaders never act at once for longer than clock skew allows.
 */
export class LeaderElector {
  private stopped = false;
  private leading = false;
  private loop: Promise<void> | undefined;
  private readonly http: KubeHttp;
  private lastRenew = 0;

  constructor(
    kc: KubeClientConfig,
    private readonly opts: LeaderElectionOptions,
  ) {
    // A Lease call that takes longer than half the lease is useless (the lease may be gone by then) and must not
    // hold up a renewal round or a shutdown for the default 30 s.
    this.http = new KubeHttp(kc, { requestTimeoutMs: Math.max(1_000, ((opts.leaseDurationSeconds ?? 15) * 1000) / 2) });
  }

  private leasePath(withName = true): string {
    const { namespace, name } = this.opts;
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
    return withName ? `${base}/${encodeURIComponent(name)}` : base;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops competing; a leader releases the lease so a standby takes over at once rather than after expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.leading) {
      await this.release().catch((e: unknown) => this.opts.onError?.(e));
      await this.setLeading(false);
    }
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private get duration(): number {
    return this.opts.leaseDurationSeconds ?? 15;
  }

  private async run(): Promise<void> {
    const period = this.opts.retryPeriodMs ?? Math.max(200, (this.duration * 1000) / 3);
    while (!this.stopped) {
      try {
        const held = await this.tryAcquireOrRenew();
        if (held) this.lastRenew = Date.now();
        await this.setLeading(held);
      } catch (err) {
        this.opts.onError?.(err);
        // Could not reach the API server: keep leading only while our own lease is surely still valid.
        if (this.leading && Date.now() - this.lastRenew > this.duration * 1000 * 0.8) await this.setLeading(false);
      }
      if (!this.stopped) await delay(period);
    }
  }

  private async setLeading(leading: boolean): Promise<void> {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) await this.opts.onStartedLeading();
    else await this.opts.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = toMicroTime(this.now());
    let lease: V1Lease;
    try {
      lease = await this.http.json<V1Lease>('GET', this.leasePath());
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      try {
        await this.http.json('POST', this.leasePath(false), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.duration,
              acquireTime: now as never,
              renewTime: now as never,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const ours = spec.holderIdentity === identity;
    if (!ours && !isLeaseExpired(lease, this.now())) return false;
    const next: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.duration,
        renewTime: now as never,
        ...(ours ? {} : { acquireTime: now as never, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      await this.http.json('PUT', this.leasePath(), { body: next });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.http.json<V1Lease>('GET', this.leasePath());
    if (lease.spec?.holderIdentity !== this.opts.identity) return;
    await this.http.json('PUT', this.leasePath(), {
      body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, renewTime: undefined } },
    });
  }
}
