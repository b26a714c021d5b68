import { DependencyUnavailableError } from './api-errors.js';

/** The promise's value, or DependencyUnavailableError when it takes longer than `ms` (BullMQ waits for Redis). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, dependency: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyUnavailableError(dependency)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (err) {
    if (err instanceof DependencyUnavailableError) throw err;
    throw new DependencyUnavailableError(dependency, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
