// One build: read and check every input (so bad input fails the same way on every executor), decide from what the
// final tag holds whether to build at all (decide-tag-use.ts: never over an image the hub did not make), else run
// the configured executor and learn the pushed digest.
import { Inject, Injectable } from '@nestjs/common';
import type { BuildExecutor, JobReporter } from './build-executor.js';
import { HubInputsService } from './hub-inputs.service.js';
import { BuildFailedError } from './image-job-errors.js';
import { decideTagUse } from './decide-tag-use.js';
import { readTag } from './image-output.js';
import { BUILD_EXECUTOR } from '../image-queues/images.options.js';
import { IMAGE_JOB_NAMES, type BuildJobData, type ImageJobResult } from '../image-queues/jobs.js';
import { RegistryAccessService } from '../registry/registry-access.service.js';
import { readRegistryAuth } from './registry-auth.js';

@Injectable()
export class ImageBuilderService {
  constructor(
    private readonly inputs: HubInputsService,
    private readonly registries: RegistryAccessService,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
  ) {}

  async build(data: BuildJobData, jobId: string, reporter: JobReporter, signal: AbortSignal): Promise<ImageJobResult> {
    const final = data.target === data.image;
    await reporter.stage('read-inputs', 5);
    const dockerfile = await this.inputs.readDockerfile(data.dockerfile);
    const secrets = new Map<string, Map<string, Buffer>>();
    for (const secret of data.secrets) secrets.set(secret.name, await this.inputs.readSecret(secret));
    const auth = await readRegistryAuth(this.inputs, data.imageRepoSecret);
    const client = this.registries.clientFor(data.target, data.registryTLS, auth);

    // With a sign to follow, the final tag decides for both jobs: the sign job's output there, or an image the hub
    // did not make, means there is nothing to build.
    if (!final) {
      const finalClient = this.registries.clientFor(data.image, data.registryTLS, auth);
      const decision = decideTagUse(await readTag(finalClient, data.image), data.signJobId ?? '');
      if (decision.use === 'reused' || decision.use === 'kept') {
        reporter.log(
          `${data.image} is ${decision.use === 'kept' ? "not the hub's image" : 'signed already'}; nothing to build`,
        );
        await reporter.stage('done', 100);
        return {
          image: data.image,
          kernel: data.kernel,
          target: data.image,
          digest: decision.digest,
          pushed: false,
          final,
          use: decision.use,
        };
      }
    }
    const decision = decideTagUse(await readTag(client, data.target), jobId);
    if (decision.use === 'reused' || decision.use === 'kept') {
      reporter.log(
        decision.use === 'kept'
          ? `${data.target} holds ${decision.digest}, which this hub did not build; it is used as it is`
          : `${data.target} already holds this build (${decision.digest}); nothing to build`,
      );
      await reporter.stage('done', 100);
      return {
        image: data.image,
        kernel: data.kernel,
        target: data.target,
        digest: decision.digest,
        pushed: false,
        final,
        use: decision.use,
      };
    }
    if (decision.use === 'replaced') {
      reporter.log(
        `${data.target} holds ${decision.digest} of job ${decision.previousJobId}; building anew for the current inputs`,
      );
    }

    reporter.log(`building ${data.target} for kernel ${data.kernel} with ${this.executor.name}`);
    const outcome = await this.executor.build(
      {
        jobId,
        target: data.target,
        kernel: data.kernel,
        dockerfileConfigMap: data.dockerfile.name,
        buildArgs: data.buildArgs,
        secrets: data.secrets.map((s) => s.name),
        baseImageRegistryTLS: data.baseImageRegistryTLS,
        registryTLS: data.registryTLS,
        labels: { [IMAGE_JOB_NAMES.jobLabel]: jobId },
        annotations: { [IMAGE_JOB_NAMES.inputsHashAnnotation]: jobId },
        ...(data.imageRepoSecret !== undefined ? { imageRepoSecret: data.imageRepoSecret.name } : {}),
        ...(data.kanikoTag !== undefined ? { kanikoTag: data.kanikoTag } : {}),
        ...(data.selector !== undefined ? { selector: data.selector } : {}),
      },
      {
        dockerfile,
        secrets,
        ...(auth.dockerConfigJson !== undefined ? { dockerConfigJson: auth.dockerConfigJson } : {}),
      },
      reporter,
      signal,
    );
    const digest = outcome.digest ?? (await client.resolveDigest(data.target))?.digest;
    if (digest === undefined) {
      throw new BuildFailedError(`the build reported success but ${data.target} is not in the registry`, []);
    }
    reporter.log(`pushed ${data.target}@${digest}`);
    await reporter.stage('done', 100);
    return {
      image: data.image,
      kernel: data.kernel,
      target: data.target,
      digest,
      pushed: true,
      final,
      use: decision.use,
      ...(decision.use === 'replaced' ? { replaced: { digest: decision.digest, jobId: decision.previousJobId } } : {}),
    };
  }
}
