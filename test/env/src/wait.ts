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
