// Waiting on Redis with a deadline, for the API and the session revocations (both read BullMQ through it).

/** A dependency (Redis) did not answer in time. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options);
    this.name = 'DependencyUnavailableError';
  }
}

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
