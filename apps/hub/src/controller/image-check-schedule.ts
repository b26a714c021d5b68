// When the answer of an image check (does this tag exist, with which digest) is asked for again. Pure: the caller
// brings the clock. Every lifetime counts from when the check completed, so a check that took 30 s to fail is not
// already stale when it lands.

import { backoffDelay } from '@kmm-hub/kube';

export interface ImageCheckPolicy {
  /** How long "the tag has this digest" stands (a tag can move). */
  presentTtlMs: number;
  /** How long "no such tag" stands (a build or a push may create it). */
  absentTtlMs: number;
  /** Wait after the first failure in a row; each further failure doubles it. */
  backoffBaseMs: number;
  /** Longest wait after failures. */
  backoffMaxMs: number;
}

export type ImageCheckOutcome = 'present' | 'absent' | 'error';

/** How long an answer stands, counted from the completion of its check. */
export function answerLifetimeMs(outcome: ImageCheckOutcome, failuresInARow: number, policy: ImageCheckPolicy): number {
  switch (outcome) {
    case 'present':
      return policy.presentTtlMs;
    case 'absent':
      return policy.absentTtlMs;
    case 'error':
      return backoffDelay(failuresInARow, policy.backoffBaseMs, policy.backoffMaxMs);
  }
}

export interface CheckFailure {
  /** Registry as written in image references. */
  registry: string;
  /** What failed (a RegistryError message; its leading `registry <host>: ` is dropped). */
  message: string;
  failuresInARow: number;
  retryInMs: number;
}

/**
 * The text status shows for a failed check: which registry fails, how, how often in a row, and when the hub asks
 * again. It changes only when a check completes, so a status that carries it is not rewritten on every reconcile.
 */
export function describeCheckFailure(failure: CheckFailure): string {
  const prefix = `registry ${failure.registry}: `;
  const what = failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
  const times = failure.failuresInARow === 1 ? 'first failure' : `${failure.failuresInARow} failures in a row`;
  return `registry ${failure.registry} failing: ${what}; ${times}, next check in ${Math.ceil(failure.retryInMs / 1000)} s`;
}
