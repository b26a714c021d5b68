// How the environment's foreground programs (the demo, `kmm-test-env up`) end: on every signal a terminal or a
// supervisor sends, and when the reader of their output goes away, they stop everything they started, once, and
// exit. Nothing on that path may depend on writing to stdout or stderr: under `npm start 2>&1 | tee demo.log` a
// Ctrl-C reaches tee too, tee ends first, and every later write fails with EPIPE (an unhandled 'error' event that
// used to end the demo before its cleanup ran).

/** Ctrl-C; kill(1) or a supervisor; the terminal closed; a write to a pipe whose reader is gone. */
export const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'] as const;

/** Writes text unless the stream has failed or ended; a failure of this write reaches its 'error' listeners. */
export function writeIfOpen(stream: NodeJS.WriteStream, text: string): void {
  if (stream.destroyed || !stream.writable) return;
  try {
    stream.write(text);
  } catch {
    // Reported again as an 'error' event, which Termination handles.
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause === undefined ? '' : `\ncause: ${describeError(err.cause)}`;
  return `${err.stack ?? err.message}${cause}`;
}

/**
 * Runs `stop` once on the first termination (signal, EPIPE on our output, or a failure of the program) and then
 * exits. Until `setStop` is called (servers still starting) it exits at once: the 'exit' hooks of ProcessGroup and
 * startEnvironment then kill what has started and remove the work directory.
 */
export class Termination {
  #stop: (() => Promise<void>) | undefined;
  #stopping = false;

  constructor(private readonly log: (line: string) => void) {
    for (const signal of TERMINATION_SIGNALS) process.on(signal, () => this.#terminate(signal, 0));
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        // The reader of our output is gone: end as SIGPIPE would, but after stopping what we started. Other
        // errors only mean that stream is unusable; writeIfOpen skips it from now on.
        if (err.code === 'EPIPE') this.#terminate('EPIPE', 0);
      });
    }
  }

  /** True once a stop is under way: the program should stop its own work, whose failures are expected now. */
  get stopping(): boolean {
    return this.#stopping;
  }

  setStop(stop: () => Promise<void>): void {
    this.#stop = stop;
  }

  /** A failure of the program itself: stops everything, then exits 1. Ignored while a stop is under way. */
  fail(err: unknown): void {
    if (this.#stopping) return;
    this.log(describeError(err));
    this.#terminate('failure', 1);
  }

  #terminate(why: string, code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.log(`\n${why}: stopping everything…`);
    const stop = this.#stop ?? (() => Promise.resolve());
    stop().then(
      () => process.exit(code),
      (err: unknown) => {
        this.log(`stopping failed: ${describeError(err)}`);
        process.exit(1);
      },
    );
  }
}
