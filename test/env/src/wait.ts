import { setTimeout as delay } from 'node:timers/promises';

/** Polls `probe` until it returns true; fails with the last error and the server's log path when time runs out. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; logPath?: string; exited?: Promise<unknown> } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  let dead = false;
  void opts.exited?.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) break;
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await delay(opts.intervalMs ?? 100);
  }
  const why = dead ? 'exited' : 'timed out';
  const log = opts.logPath ? ` (log: ${opts.logPath})` : '';
  throw new Error(`${what} ${why}${log}`, { cause: lastError });
}

/**
 * A bounded observation that something does NOT happen: polls `probe` for `durationMs` and returns false at the
 * first poll where it no longer holds (true when it held throughout). For the few properties that are about a
 * period ("a standby never leads while the leader renews"); anything that is about reaching a state polls with
 * waitUntil or expect.poll instead.
 */
export async function holdsFor(
  probe: () => boolean | Promise<boolean>,
  opts: { durationMs: number; intervalMs?: number },
): Promise<boolean> {
  const end = Date.now() + opts.durationMs;
  for (;;) {
    if (!(await probe())) return false;
    const left = end - Date.now();
    if (left <= 0) return true;
    await delay(Math.min(opts.intervalMs ?? 100, left));
  }
}
