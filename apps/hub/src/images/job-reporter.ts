// A JobReporter over a BullMQ job: progress through updateProgress, log lines through the job's log (bounded by
// the job's keepLogs), ownership through the job lock.
import type { PinoLogger } from 'nestjs-pino';
import type { JobReporter } from './build-executor.js';
import type { StoredJob } from '../image-queues/image-queue.client.js';
import type { JobProgressReport } from '../image-queues/jobs.js';

const MAX_LINE_LENGTH = 2000;

export class BullJobReporter implements JobReporter {
  #pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: StoredJob,
    private readonly token: string,
    private readonly lockMs: number,
    private readonly logger: PinoLogger,
  ) {}

  stage(stage: string, percent: number): Promise<void> {
    const report: JobProgressReport = { stage, percent: Math.max(0, Math.min(100, Math.round(percent))) };
    return this.job.updateProgress(report).catch((error: unknown) => {
      this.logger.warn({ jobId: this.job.id, err: error }, 'could not record job progress');
    });
  }

  log(line: string): void {
    const text = `${new Date().toISOString()} ${line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line}`;
    this.#pending = this.#pending
      .then(() => this.job.log(text))
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ jobId: this.job.id, err: error }, 'could not record a job log line'),
      );
  }

  async stillOwned(): Promise<boolean> {
    return (await this.job.extendLock(this.token, this.lockMs)) === 1;
  }

  /** Waits until every log line is written. */
  flush(): Promise<void> {
    return this.#pending;
  }
}
