import { describe, expect, it } from 'vitest';
import { ImageJobProcessor } from './image-job.processor.js';
import { processorsByQueue } from './image-workers.service.js';
import { JOB_NAMES, QUEUES, type ImageJobResult, type JobName, type QueueName } from '../image-queues/jobs.js';

class FakeProcessor extends ImageJobProcessor {
  constructor(
    readonly queue: QueueName,
    readonly jobNames: readonly JobName[],
  ) {
    super();
  }

  process(): Promise<ImageJobResult> {
    throw new Error('not called');
  }
}

describe('processorsByQueue', () => {
  it('groups processors by queue when every job name has one', () => {
    const build = new FakeProcessor(QUEUES.build, [JOB_NAMES.buildImage]);
    const sign = new FakeProcessor(QUEUES.sign, [JOB_NAMES.signImage]);
    expect(processorsByQueue([build, sign])).toEqual(
      new Map([
        [QUEUES.build, [build]],
        [QUEUES.sign, [sign]],
      ]),
    );
  });

  it('refuses to start when a job name has no processor or two', () => {
    const build = new FakeProcessor(QUEUES.build, [JOB_NAMES.buildImage]);
    expect(() => processorsByQueue([build])).toThrow(/job sign-image on queue sign has 0 processors/);
    expect(() => processorsByQueue([build, build, new FakeProcessor(QUEUES.sign, [JOB_NAMES.signImage])])).toThrow(
      /job build-image on queue build has 2 processors/,
    );
  });
});
