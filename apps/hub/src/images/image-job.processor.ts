// What the worker host needs of a processor: the queue it serves, the job names it handles, and `process`, which
// parses the payload, calls one service and returns a small result, or throws (UnrecoverableError when retrying
// cannot help). The shape of @nestjs/bullmq's WorkerHost, without the package.
import type { StoredJob } from '../image-queues/image-queue.client.js';
import type { ImageJobResult, JobName, QueueName } from '../image-queues/jobs.js';

export abstract class ImageJobProcessor {
  abstract readonly queue: QueueName;
  abstract readonly jobNames: readonly JobName[];
  abstract process(job: StoredJob, token: string, signal: AbortSignal): Promise<ImageJobResult>;
}
