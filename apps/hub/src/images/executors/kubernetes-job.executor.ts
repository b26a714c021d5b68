// Builds in the hub cluster: one Job per attempt in the hub namespace, running a kaniko-compatible builder that
// pushes the image itself. The worker only creates the Job and reads its status. A worker that takes over a job
// (the previous one crashed) adopts the Job still running instead of starting a second one; successful Jobs are
// deleted, failed ones kept for their logs.
import { setTimeout as delay } from 'node:timers/promises';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { Inject, Injectable } from '@nestjs/common';
import { BUILTIN_RESOURCES, KubeHttp, ResourceClient, isAlreadyExists, isNotFound } from '@kmm-hub/kube';
import { BuildFailedError } from '../image-job-errors.js';
import { IMAGES_OPTIONS, type ImagesOptions } from '../images.options.js';
import { IMAGE_JOB_NAMES } from '../jobs.js';
import type { BuildExecutor, BuildInputs, BuildOutcome, BuildSpec, JobReporter } from './build-executor.js';
import {
  BUILDER_CONTAINER,
  buildJobIndex,
  buildJobLabelValue,
  readBuildJobPhase,
  renderBuildJob,
  type BuildJobPhase,
} from './render-build-job.js';

const LOG_TAIL_LINES = 30;
/** Extra time past the Job's activeDeadlineSeconds before the worker gives up on a Job whose status never moves. */
const DEADLINE_GRACE_MS = 120_000;

@Injectable()
export class KubernetesJobExecutor implements BuildExecutor {
  readonly name = 'kubernetes';
  readonly #jobs: ResourceClient<V1Job>;
  readonly #pods: ResourceClient<V1Pod>;
  readonly #options: ImagesOptions;

  constructor(http: KubeHttp, @Inject(IMAGES_OPTIONS) options: ImagesOptions) {
    this.#jobs = new ResourceClient<V1Job>(http, BUILTIN_RESOURCES.Job);
    this.#pods = new ResourceClient<V1Pod>(http, BUILTIN_RESOURCES.Pod);
    this.#options = options;
  }

  async build(
    spec: BuildSpec,
    _inputs: BuildInputs,
    reporter: JobReporter,
    signal: AbortSignal,
  ): Promise<BuildOutcome> {
    const existing = await this.#listJobs(spec.jobId);
    const phases = existing.map((job) => ({ job, phase: readBuildJobPhase(job) }));
    const done = phases.find((p) => p.phase.phase === 'succeeded');
    if (done !== undefined) {
      reporter.log(`build Job ${nameOf(done.job)} already succeeded`);
      await this.#deleteJob(nameOf(done.job), reporter);
      return {};
    }
    const running = phases.filter((p) => p.phase.phase === 'running' || p.phase.phase === 'pending').at(-1);
    let name: string;
    if (running !== undefined) {
      name = nameOf(running.job);
      reporter.log(`adopting build Job ${this.#options.namespace}/${name}, still running from an earlier attempt`);
    } else {
      const index = Math.max(0, ...existing.map((j) => buildJobIndex(nameOf(j)))) + 1;
      name = await this.#createJob(
        renderBuildJob(spec, {
          namespace: this.#options.namespace,
          builderImage: this.#options.build.kanikoImage,
          timeoutS: this.#options.build.timeoutS,
          index,
        }),
        reporter,
      );
    }
    await reporter.stage('build', 20);

    const phase = await this.#waitForJob(name, signal);
    if (phase.phase === 'failed') {
      const tail = await this.#logTail(name, reporter);
      throw new BuildFailedError(
        `build Job ${this.#options.namespace}/${name} failed: ${phase.reason}${phase.message ? `: ${phase.message}` : ''} (the Job is kept; kubectl logs -n ${this.#options.namespace} job/${name})`,
        tail,
      );
    }
    reporter.log(`build Job ${this.#options.namespace}/${name} succeeded`);
    await this.#deleteJob(name, reporter);
    return {};
  }

  async #waitForJob(name: string, signal: AbortSignal): Promise<BuildJobPhase> {
    const deadline = Date.now() + this.#options.build.timeoutS * 1000 + DEADLINE_GRACE_MS;
    for (;;) {
      signal.throwIfAborted();
      const job = await this.#jobs.get(name, { namespace: this.#options.namespace });
      const phase = readBuildJobPhase(job);
      if (phase.phase === 'succeeded' || phase.phase === 'failed') return phase;
      if (Date.now() > deadline) {
        return { phase: 'failed', reason: 'NoStatus', message: 'the Job did not finish within its deadline' };
      }
      await delay(this.#options.build.jobPollMs, undefined, { signal });
    }
  }

  async #createJob(job: V1Job, reporter: JobReporter): Promise<string> {
    const name = job.metadata?.name ?? '';
    try {
      await this.#jobs.create(job, { namespace: this.#options.namespace });
      reporter.log(`created build Job ${this.#options.namespace}/${name}`);
    } catch (error) {
      // Another worker created it a moment ago: adopt it.
      if (!isAlreadyExists(error)) throw error;
      reporter.log(`adopting build Job ${this.#options.namespace}/${name}, created concurrently`);
    }
    return name;
  }

  async #listJobs(jobId: string): Promise<V1Job[]> {
    const list = await this.#jobs.list({
      namespace: this.#options.namespace,
      labelSelector: `${IMAGE_JOB_NAMES.jobLabel}=${buildJobLabelValue(jobId)}`,
    });
    return list.items
      .filter((job) => job.metadata?.annotations?.[IMAGE_JOB_NAMES.jobAnnotation] === jobId)
      .toSorted((a, b) => buildJobIndex(nameOf(a)) - buildJobIndex(nameOf(b)));
  }

  /** Deletes a successful Job with its pod; failed Jobs are never deleted here, their logs explain the failure. */
  async #deleteJob(name: string, reporter: JobReporter): Promise<void> {
    try {
      await this.#jobs.delete(name, { namespace: this.#options.namespace, propagationPolicy: 'Background' });
    } catch (error) {
      if (isNotFound(error)) return;
      // The image is pushed; a Job left behind is only clutter.
      reporter.log(`could not delete build Job ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The last lines of the builder's log, when a pod is still there to ask; best effort. */
  async #logTail(jobName: string, reporter: JobReporter): Promise<string[]> {
    try {
      const namespace = this.#options.namespace;
      const pods = await this.#pods.list({ namespace, labelSelector: `job-name=${jobName}` });
      const pod = pods.items.at(-1)?.metadata?.name;
      if (pod === undefined) return [];
      const text = await this.#pods.text(pod, 'log', {
        namespace,
        query: { container: BUILDER_CONTAINER, tailLines: LOG_TAIL_LINES },
      });
      const lines = text.split('\n').filter((l) => l.length > 0);
      for (const line of lines) reporter.log(line);
      return lines;
    } catch (error) {
      reporter.log(`could not read the build log: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }
}

function nameOf(job: V1Job): string {
  return job.metadata?.name ?? '';
}
