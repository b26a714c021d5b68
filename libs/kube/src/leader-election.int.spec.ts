import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig, clientNodeConfig, holdsFor } from '@kmm-hub/test-env';
import { LeaderElector } from './leader-election.js';

const env = inject('env');

describe(LeaderElector.name, () => {
  it('elects one leader; a standby takes over within the lease duration when the leader stops renewing', async () => {
    const kc = clusterKubeConfig(env.hub);
    const namespace = `lease-${Date.now()}`;
    await clientNodeConfig(kc)
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: namespace } } });
    const leading = new Set<string>();
    const history: string[] = [];
    const make = (identity: string) =>
      new LeaderElector(kc, {
        namespace,
        name: 'kmm-hub-controller',
        identity,
        leaseDurationSeconds: 3,
        retryPeriodMs: 300,
        onStartedLeading: () => {
          leading.add(identity);
          history.push(`+${identity}`);
        },
        onStoppedLeading: () => {
          leading.delete(identity);
          history.push(`-${identity}`);
        },
      });
    const a = make('hub-a');
    const b = make('hub-b');
    a.start();
    await expect.poll(() => leading.has('hub-a')).toBe(true);
    b.start();
    // b keeps trying for more than a lease duration (3 s) while a renews: it must never lead. A bounded
    // observation, since the property is about a period: polled, so a moment of double leadership fails it too.
    expect(await holdsFor(() => leading.size === 1 && leading.has('hub-a'), { durationMs: 3_500 })).toBe(true);

    // a "dies": it stops renewing without releasing (simulated by pausing its loop through a stop that skips release).
    const died = Date.now();
    (a as unknown as { stopped: boolean }).stopped = true;
    await expect.poll(() => leading.has('hub-b'), { timeout: 10_000, interval: 100 }).toBe(true);
    const tookOverMs = Date.now() - died;
    // Lease duration plus a retry period, with room for a loaded machine.
    expect(tookOverMs).toBeLessThan(3_000 + 2_000);
    const lease = await clientNodeConfig(kc)
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'kmm-hub-controller', namespace });
    expect(lease.spec?.holderIdentity).toBe('hub-b');
    expect(lease.spec?.leaseTransitions).toBe(1);

    // A clean stop releases the lease, so a new candidate leads at once rather than after expiry.
    await b.stop();
    expect(history).toEqual(['+hub-a', '+hub-b', '-hub-b']);
    const c = make('hub-c');
    const t0 = Date.now();
    c.start();
    await expect.poll(() => leading.has('hub-c')).toBe(true);
    // Waiting for expiry instead would take about the lease duration (3 s).
    expect(Date.now() - t0).toBeLessThan(2_000);
    await c.stop();
  });
});
