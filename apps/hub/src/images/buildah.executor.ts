// Builds on the worker itself with buildah (chroot isolation by default, so no container runtime is needed) and
// pushes. Inputs are written to a private folder (see buildah-work-dirs.ts) that is removed when the build ends, and
// by the next start-up when the process died mid-build.
//
// buildah must not outlive its worker: an orphaned build would go on and push on its own, with the registry
// password on disk. Each buildah runs under `setpriv --pdeathsig KILL` (util-linux; Node cannot set
// PR_SET_PDEATHSIG itself), so the kernel kills it when the worker dies, even by SIGKILL; buildah's chroot runtime
// and the RUN steps it starts die with it. Each buildah also leads its own process group, which is what a timeout,
// an abort and the worker's shutdown kill.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { BuildFailedError, ImageInputError, ImageRefusedError } from './image-job-errors.js';
import { IMAGES_OPTIONS, type BuildahOptions, type ImagesOptions } from '../image-queues/images.options.js';
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
import { type BuildDirOwner, createBuildDir, processIdentity, removeStaleBuildDirs } from './buildah-work-dirs.js';

const LOG_TAIL_LINES = 30;
const KILL_GRACE_MS = 10_000;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const SETPRIV = 'setpriv';
/** tmpfs on Linux: the inputs (registry password, build secrets) never reach a disk. */
const SHARED_MEMORY_DIR = '/dev/shm';

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
  refusal?: string;
  timedOut: boolean;
}

@Injectable()
export class BuildahExecutor implements BuildExecutor, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly name = 'buildah';
  readonly #buildah: BuildahOptions;
  readonly #timeoutMs: number;
  readonly #enabled: boolean;
  /** Where build folders go: BUILDAH_WORK_DIR, else /dev/shm when it exists, else the temp folder. */
  readonly workDir: string;
  readonly #children = new Set<ChildProcess>();
  readonly #builds = new Set<Promise<unknown>>();
  #owner: BuildDirOwner | undefined;

  constructor(
    @Inject(IMAGES_OPTIONS) options: ImagesOptions,
    @InjectPinoLogger(BuildahExecutor.name) private readonly logger: PinoLogger,
  ) {
    this.#buildah = options.build.buildah;
    this.#timeoutMs = options.build.timeoutS * 1000;
    this.#enabled = options.build.executor === 'buildah';
    this.workDir = this.#buildah.workDir ?? (existsSync(SHARED_MEMORY_DIR) ? SHARED_MEMORY_DIR : tmpdir());
  }

  /** Removes the build folders of processes that died mid-build, and fails start-up when setpriv is missing. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.#enabled) return;
    try {
      await promisify(execFile)(SETPRIV, ['--version']);
    } catch (error) {
      throw new Error(`the buildah executor needs ${SETPRIV} (util-linux) on the PATH`, { cause: error });
    }
    const removed = await removeStaleBuildDirs(this.workDir);
    if (removed.length > 0) this.logger.info({ dirs: removed }, 'removed build folders left by a stopped worker');
  }

  /** Stops every running buildah (its whole process group) and waits until their folders are removed. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const child of this.#children) killGroup(child, 'SIGKILL');
    await Promise.allSettled(this.#builds);
  }

  build(spec: BuildSpec, inputs: BuildInputs, reporter: JobReporter, signal: AbortSignal): Promise<BuildOutcome> {
    const running = this.#build(spec, inputs, reporter, signal);
    this.#builds.add(running);
    const forget = () => this.#builds.delete(running);
    running.then(forget, forget);
    return running;
  }

  async #build(
    spec: BuildSpec,
    inputs: BuildInputs,
    reporter: JobReporter,
    signal: AbortSignal,
  ): Promise<BuildOutcome> {
    this.#owner ??= await processIdentity(process.pid);
    if (this.#owner === undefined) throw new Error(`cannot read /proc/${process.pid}/stat to name the build folder`);
    const dir = await createBuildDir(this.workDir, this.#owner);
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
      // The inputs go first: the registry password must not wait for the image removal.
      await rm(dir, { recursive: true, force: true });
      if (imageId !== undefined) {
        const removed = await this.#run(
          buildahRemoveArgs(imageId, this.#buildah),
          reporter,
          AbortSignal.timeout(60_000),
        );
        if (removed.code !== 0) reporter.log(`could not remove the local image ${imageId}`);
      }
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
      const child = spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', this.#buildah.path, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      this.#children.add(child);
      const tail: string[] = [];
      let refusal: string | undefined;
      let timedOut = false;
      let killer: NodeJS.Timeout | undefined;
      const stop = () => {
        killGroup(child, 'SIGTERM');
        killer ??= setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
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
        this.#children.delete(child);
        clearTimeout(timer);
        reject(new Error(`cannot run ${this.#buildah.path}`, { cause: error }));
      });
      child.on('close', (code, sig) => {
        this.#children.delete(child);
        clearTimeout(timer);
        if (killer !== undefined) clearTimeout(killer);
        signal.removeEventListener('abort', stop);
        resolve({ code, signal: sig, tail, timedOut, ...(refusal !== undefined ? { refusal } : {}) });
      });
    });
  }
}

/** Signals the process group `child` leads (its buildah and everything buildah started). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
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
  // buildah reads the auth file when it pulls base images and again when it pushes, so it has to exist for the whole
  // build. `--creds user:password` would show in /proc/<pid>/cmdline, and buildah takes no auth on stdin or from a
  // file descriptor, so a 0600 file in this 0700 folder (tmpfs by default) is the smallest exposure: it is removed
  // when the build ends, and by the next start-up (removeStaleBuildDirs) when the worker died before that.
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
