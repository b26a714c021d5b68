/** Exponential backoff with a cap: base·2^(failures−1), at most max. Pure, so callers keep the failure count. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}
