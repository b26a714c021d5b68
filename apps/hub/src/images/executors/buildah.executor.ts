// Builds on the worker itself with buildah (chroot isolation by default, so no container runtime is needed) and
// pushes. Inputs are written to a private temporary folder that is removed when the build ends.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Inject, Injectable } from '@nestjs/common';
import { BuildFailedError, ImageInputError, ImageRefusedError } from '../image-job-errors.js';
import { IMAGES_OPTIONS, type BuildahOptions, type ImagesOptions } from '../images.options.js';
import type { BuildExecutor, BuildInputs, BuildOutcome, BuildSpec, JobReporter } from './build-executor.js';
import {
  type BuildahPaths,
  buildahBuildArgs,
  buildahPushArgs,
  baseImageRegistries,
  buildahRemoveArgs,
  isRefusal,
  parseBuildahStep,
} from './buildah-args.js';

const LOG_TAIL_LINES = 30;
const KILL_GRACE_MS = 10_000;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
  refusal?: string;
  timedOut: boolean;
}

@Injectable()
export class BuildahExecutor implements BuildExecutor {
  readonly name = 'buildah';
  readonly #buildah: BuildahOptions;
  readonly #timeoutMs: number;

  constructor(@Inject(IMAGES_OPTIONS) options: ImagesOptions) {
    this.#buildah = options.build.buildah;
    this.#timeoutMs = options.build.timeoutS * 1000;
  }

  async build(spec: BuildSpec, inputs: BuildInputs, reporter: JobReporter, signal: AbortSignal): Promise<BuildOutcome> {
    const dir = await mkdtemp(join(tmpdir(), 'kmm-hub-build-'));
    let imageId: string | undefined;
    try {
      const paths = await writeInputs(dir, spec, inputs);
      await reporter.stage('build', 10);
      const bases = baseImageRegistries(inputs.dockerfile, spec.buildArgs);
      const built = await this.#run(buildahBuildArgs(spec, paths, this.#buildah, bases), reporter, signal, (line) => {
        const step = parseBuildahStep(line);
        if (step !== undefined) void reporter.stage('build', Math.round(10 + (70 * (step.step - 1)) / step.of));
      });
      throwUnlessSucceeded('buildah build', built);
      imageId = (await readFile(paths.iidFile, 'utf8')).trim();
      if (!(await reporter.stillOwned())) {
        throw new Error('the job was handed to another worker before the push; this worker does not push');
      }
      await reporter.stage('push', 85);
      const pushed = await this.#run(buildahPushArgs(spec, imageId, paths, this.#buildah), reporter, signal);
      throwUnlessSucceeded('buildah push', pushed);
      return { digest: (await readFile(paths.digestFile, 'utf8')).trim() };
    } finally {
      if (imageId !== undefined) {
        const removed = await this.#run(
          buildahRemoveArgs(imageId, this.#buildah),
          reporter,
          AbortSignal.timeout(60_000),
        );
        if (removed.code !== 0) reporter.log(`could not remove the local image ${imageId}`);
      }
      await rm(dir, { recursive: true, force: true });
    }
  }

  #run(
    args: string[],
    reporter: JobReporter,
    signal: AbortSignal,
    onLine?: (line: string) => void,
  ): Promise<RunResult> {
    reporter.log(`$ ${this.#buildah.path} ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.#buildah.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const tail: string[] = [];
      let refusal: string | undefined;
      let timedOut = false;
      let killer: NodeJS.Timeout | undefined;
      const stop = () => {
        child.kill('SIGTERM');
        killer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, this.#timeoutMs);
      signal.addEventListener('abort', stop, { once: true });
      const onOutput = (line: string) => {
        reporter.log(line);
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        if (refusal === undefined && isRefusal(line)) refusal = line;
        onLine?.(line);
      };
      createInterface({ input: child.stdout }).on('line', onOutput);
      createInterface({ input: child.stderr }).on('line', onOutput);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${this.#buildah.path}`, { cause: error }));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        if (killer !== undefined) clearTimeout(killer);
        signal.removeEventListener('abort', stop);
        resolve({ code, signal: sig, tail, timedOut, ...(refusal !== undefined ? { refusal } : {}) });
      });
    });
  }
}

function throwUnlessSucceeded(what: string, result: RunResult): void {
  if (result.code === 0) return;
  if (result.timedOut) throw new BuildFailedError(`${what} did not finish in time and was stopped`, result.tail);
  if (result.refusal !== undefined) throw new ImageRefusedError(`${what} was refused: ${result.refusal}`);
  const how = result.code !== null ? `exited with ${result.code}` : `was stopped by ${result.signal ?? 'a signal'}`;
  throw new BuildFailedError(`${what} ${how}`, result.tail);
}

async function writeInputs(dir: string, spec: BuildSpec, inputs: BuildInputs): Promise<BuildahPaths> {
  const contextDir = join(dir, 'context');
  await mkdir(contextDir);
  // As in the kaniko Job, the Dockerfile is the whole build context.
  const dockerfile = join(contextDir, 'Dockerfile');
  await writeFile(dockerfile, inputs.dockerfile, { mode: 0o600 });
  const secretDirs = new Map<string, string>();
  for (const name of spec.secrets) {
    const data = inputs.secrets.get(name);
    if (data === undefined) throw new ImageInputError(`build secret ${name} was not read`);
    const secretDir = join(dir, 'secrets', name);
    await mkdir(secretDir, { recursive: true, mode: 0o700 });
    for (const [key, value] of data) {
      if (!SECRET_KEY.test(key) || key === '.' || key === '..') {
        throw new ImageInputError(`build secret ${name} has a key that is not a file name`);
      }
      await writeFile(join(secretDir, key), value, { mode: 0o600 });
    }
    secretDirs.set(name, secretDir);
  }
  let authFile: string | undefined;
  if (inputs.dockerConfigJson !== undefined) {
    authFile = join(dir, 'auth.json');
    await writeFile(authFile, inputs.dockerConfigJson, { mode: 0o600 });
  }
  return {
    contextDir,
    dockerfile,
    iidFile: join(dir, 'image-id'),
    digestFile: join(dir, 'digest'),
    secretDirs,
    ...(authFile !== undefined ? { authFile } : {}),
  };
}
