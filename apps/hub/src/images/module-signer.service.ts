// One sign: read the key and certificate from their Secrets, pull the unsigned image's modules that match
// filesToSign, sign each in TypeScript (libs/kmod-sign, byte-identical to the kernel's sign-file) and push them as
// one new top layer over the unsigned image, under the final image's tag. No sign-file, no openssl.
import { Injectable } from '@nestjs/common';
import { KmodSignError, signModule, type SignModuleOptions } from '@kmm-hub/kmod-sign';
import {
  type LayerFile,
  type RegistryClient,
  appendLayer,
  formatImageReference,
  parseImageReference,
  readImageFiles,
} from '@kmm-hub/oci';
import type { JobReporter } from './build-executor.js';
import { HubInputsService } from './hub-inputs.service.js';
import { ImageInputError, describeError } from './image-job-errors.js';
import { decideTagUse } from './decide-tag-use.js';
import { readTag } from './image-output.js';
import { IMAGE_JOB_NAMES, type ImageJobResult, type SignJobData } from '../image-queues/jobs.js';
import { RegistryAccessService } from '../registry/registry-access.service.js';
import { readRegistryAuth } from './registry-auth.js';

const PEM_START = '-----BEGIN';

@Injectable()
export class ModuleSignerService {
  constructor(
    private readonly inputs: HubInputsService,
    private readonly registries: RegistryAccessService,
  ) {}

  async sign(data: SignJobData, jobId: string, reporter: JobReporter): Promise<ImageJobResult> {
    await reporter.stage('read-inputs', 5);
    const key = keyInput(await this.inputs.readSecretKey(data.keySecret, 'key', 'signing key'));
    const cert = certInput(await this.inputs.readSecretKey(data.certSecret, 'cert', 'signing certificate'));
    const auth = await readRegistryAuth(this.inputs, data.imageRepoSecret);
    const target = this.registries.clientFor(data.image, data.registryTLS, auth);
    const decision = decideTagUse(await readTag(target, data.image), jobId);
    const result = (digest: string, pushed: boolean): ImageJobResult => ({
      image: data.image,
      kernel: data.kernel,
      target: data.image,
      digest,
      pushed,
      final: true,
      use: decision.use,
      ...(decision.use === 'replaced' ? { replaced: { digest: decision.digest, jobId: decision.previousJobId } } : {}),
    });
    if (decision.use === 'reused' || decision.use === 'kept') {
      reporter.log(
        decision.use === 'kept'
          ? `${data.image} holds ${decision.digest}, which this hub did not make; it is used as it is`
          : `${data.image} already holds this signed image (${decision.digest}); nothing to sign`,
      );
      await reporter.stage('done', 100);
      return result(decision.digest, false);
    }
    if (decision.use === 'replaced') {
      reporter.log(
        `${data.image} holds ${decision.digest} of job ${decision.previousJobId}; signing anew for the current inputs`,
      );
    }

    await reporter.stage('pull', 20);
    const source = this.registries.clientFor(data.unsignedImage, data.unsignedImageRegistryTLS, auth);
    const files = await readImageFiles(
      source,
      { image: data.unsignedImage, platform: data.platform },
      data.filesToSign,
    );
    const modules = files.entries.filter((e) => e.type === 'file' && e.content !== undefined);
    if (modules.length === 0) {
      throw new ImageInputError(
        `filesToSign (${data.filesToSign.join(', ')}) match no file in ${data.unsignedImage} (${files.digest})`,
      );
    }

    await reporter.stage('sign', 50);
    const options: SignModuleOptions = { ...key, ...cert, hash: data.hash } as SignModuleOptions;
    const signed: LayerFile[] = modules.map((module) => {
      try {
        const content = signModule(module.content as Buffer, options);
        reporter.log(`signed ${module.path} (${content.byteLength} bytes, ${data.hash})`);
        return { path: module.path, content, mode: module.mode };
      } catch (error) {
        if (error instanceof KmodSignError) throw new ImageInputError(`sign ${module.path}: ${describeError(error)}`);
        throw error;
      }
    });

    await reporter.stage('push', 80);
    const base = await this.#baseInTargetRegistry(source, target, data, files.digest, reporter);
    if (!(await reporter.stillOwned())) {
      throw new Error('the job was handed to another worker before the push; this worker does not push');
    }
    const pushed = await appendLayer(target, {
      source: { image: base, platform: data.platform },
      target: data.image,
      files: signed,
      createdBy: 'kmm-hub: sign kernel modules',
      comment: `${IMAGE_JOB_NAMES.signComment}${jobId}`,
      annotations: { [IMAGE_JOB_NAMES.inputsHashAnnotation]: jobId },
    });
    reporter.log(`pushed ${data.image}@${pushed.digest} with ${signed.length} signed module(s)`);
    await reporter.stage('done', 100);
    return result(pushed.digest, true);
  }

  /**
   * The unsigned image as a reference on the target's registry. appendLayer works within one registry, so an
   * unsigned image on another registry is first copied, by digest, into the final image's repository.
   */
  async #baseInTargetRegistry(
    source: RegistryClient,
    target: RegistryClient,
    data: SignJobData,
    digest: string,
    reporter: JobReporter,
  ): Promise<string> {
    const from = parseImageReference(data.unsignedImage);
    if (source.registry === target.registry) {
      return formatImageReference({ registry: from.registry, repository: from.repository, digest });
    }
    const repository = parseImageReference(data.image).repository;
    reporter.log(`copying ${data.unsignedImage} (${digest}) to ${target.registry}/${repository}`);
    const fetched = await source.getManifest({ registry: from.registry, repository: from.repository, digest });
    if (fetched.parsed.kind !== 'manifest') throw new ImageInputError(`${data.unsignedImage} is not an image manifest`);
    for (const blob of [fetched.parsed.manifest.config, ...fetched.parsed.manifest.layers]) {
      if (!(await target.hasBlob(repository, blob.digest))) {
        await target.pushBlob(repository, await source.getBlob(from.repository, blob.digest));
      }
    }
    const copied = { registry: target.registry, repository, digest };
    await target.pushManifest(copied, fetched.bytes, fetched.mediaType);
    return formatImageReference(copied);
  }
}

function isPem(bytes: Buffer): boolean {
  return bytes.subarray(0, 64).toString('latin1').trimStart().startsWith(PEM_START);
}

function keyInput(bytes: Buffer): { keyPem: string } | { keyDer: Buffer } {
  return isPem(bytes) ? { keyPem: bytes.toString('utf8') } : { keyDer: bytes };
}

function certInput(bytes: Buffer): { certPem: string } | { certDer: Buffer } {
  return isPem(bytes) ? { certPem: bytes.toString('utf8') } : { certDer: bytes };
}
