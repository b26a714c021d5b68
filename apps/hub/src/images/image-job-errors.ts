// Why an image job failed, and whether trying again can help. Permanent failures become BullMQ
// UnrecoverableErrors (the job fails now, and stays failed until an input changes); everything else is retried
// with backoff. Messages name objects and images, never Secret content.
import { KubeApiError } from '@kmm-hub/kube';
import { KmodSignError } from '@kmm-hub/kmod-sign';
import { InvalidImageReferenceError, RegistryError } from '@kmm-hub/oci';
import { UnrecoverableError } from 'bullmq';
import { ZodError } from 'zod';

/** Input a person must fix: a missing ConfigMap, Secret or key, a bad key, no file to sign. */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}

/** A registry or the builder refused for good: unauthorized, denied, a manifest it will not take. */
export class ImageRefusedError extends Error {
  override readonly name = 'ImageRefusedError';
}

/** An object the job read changed after the job was queued: a newer job with the new version replaces it. */
export class SupersededError extends Error {
  override readonly name = 'SupersededError';
}

/** The build command or build Job failed; the tail of its log is kept in the message. Retried. */
export class BuildFailedError extends Error {
  override readonly name = 'BuildFailedError';

  constructor(
    message: string,
    readonly logTail: readonly string[],
  ) {
    super(logTail.length > 0 ? `${message}; last log lines:\n${logTail.join('\n')}` : message);
  }
}

const MAX_MESSAGE_LENGTH = 4000;
const MAX_CAUSE_DEPTH = 4;

export function isPermanentError(error: unknown): boolean {
  if (
    error instanceof ImageInputError ||
    error instanceof ImageRefusedError ||
    error instanceof SupersededError ||
    error instanceof KmodSignError ||
    error instanceof InvalidImageReferenceError ||
    error instanceof ZodError ||
    error instanceof UnrecoverableError
  ) {
    return true;
  }
  if (error instanceof RegistryError) return !error.transient;
  if (error instanceof KubeApiError) return !error.transient;
  return false;
}

/** The error a processor throws: an UnrecoverableError for permanent failures, a plain Error otherwise. */
export function toJobFailure(error: unknown): Error {
  const message = describeError(error);
  return isPermanentError(error) ? new UnrecoverableError(message) : new Error(message, { cause: error });
}

/** The message with the messages of its causes (`read signing key: …unsupported`), bounded in length. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  const text = parts.join(': ') || 'unknown error';
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
