// A hub worker (the real built hub, role worker, a process of its own) running a buildah build is killed with
// SIGKILL in the middle of a RUN step: buildah and everything it started must die with it (no orphan goes on to
// push), the folder holding the registry password must be removed by the next worker's start-up, and no file under
// the build folder base, no temp file and no log may hold the password afterwards. The target registry is the
// environment's basic-auth registry on 127.0.0.1, reached without registryTLS (plain HTTP by the loopback rule).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, RegistryCredentials } from '@kmm-hub/oci';
import { ProcessGroup, TestBuildah, freePort, waitUntil } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HubObjects,
  dockerConfigJson,
  startImages,
  uniqueName,
  type ImagesHarness,
} from '../../../../test/fixtures/kmod/hub-images-harness.js';
import { BUILD_DIR_PREFIX } from './buildah-work-dirs.js';
import { BuildahExecutor } from './buildah.executor.js';

const env = inject('env');
const ROOT = new URL('../../../../', import.meta.url).pathname;
const HUB_MAIN = join(ROOT, 'apps/hub/dist/main.js');

/** PIDs of processes whose command line contains `needle` (zombies count as gone). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && isRunning(Number(entry))) pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every file under `dir` whose content holds `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (stat.isFile() && stat.size < 64 * 1024 * 1024 && readFileSync(path).includes(secret)) {
      found.push(path);
    }
  };
  walk(dir);
  return found;
}

describe(`${BuildahExecutor.name} when its worker dies`, () => {
  // Made in beforeAll: a run that filters out these tests skips afterAll too, and the folder would stay.
  let workDir: string;
  let buildDirs: string;
  let group: ProcessGroup;
  const namespace = uniqueName('images-crash');
  const queuePrefix = uniqueName('t-crash');
  const marker = uniqueName('kmm-crash-marker');
  /** How long the RUN step sleeps: an hour, give or take, and unlikely to match any other process. */
  const sleepS = 3000 + Math.floor(Math.random() * 1000);
  const password = env.authRegistry.password ?? '';
  let objects: HubObjects;
  let pipeline: ImagesHarness;
  let baseImage: string;
  const versions: Record<string, string> = {};

  const startWorker = async (name: string, prefix: string) =>
    group.start(name, process.execPath, [HUB_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        HUB_ROLE: 'worker',
        HUB_HOST: '127.0.0.1',
        HUB_PORT: String(await freePort()),
        HUB_KUBECONFIG: env.hub.kubeconfigPath,
        HUB_NAMESPACE: namespace,
        REDIS_URL: env.redis.url,
        QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'debug',
        BUILD_EXECUTOR: 'buildah',
        BUILDAH_STORAGE_DRIVER: 'vfs',
        BUILDAH_ROOT: join(workDir, 'hub-buildah', 'graph'),
        BUILDAH_RUNROOT: join(workDir, 'hub-buildah', 'run'),
        BUILDAH_WORK_DIR: buildDirs,
      },
    });

  beforeAll(async () => {
    expect(existsSync(HUB_MAIN), 'run npm run build first').toBe(true);
    workDir = mkdtempSync(join(tmpdir(), 'kmm-hub-crash-'));
    buildDirs = join(workDir, 'build-dirs');
    group = new ProcessGroup(workDir);
    mkdirSync(buildDirs);
    // A busybox base image on the anonymous registry.
    const rootfs = join(workDir, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync('/usr/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const applet of ['sh', 'sleep', 'echo']) symlinkSync('busybox', join(rootfs, 'bin', applet));
    const buildah = new TestBuildah(workDir);
    const ctr = buildah.run(['from', 'scratch']).trim();
    buildah.run(['copy', ctr, rootfs, '/']);
    buildah.run(['config', '--env', 'PATH=/bin', ctr]);
    const imageId = buildah.run(['commit', '--rm', ctr]).trim().split('\n').at(-1) ?? '';
    baseImage = `${env.registry.host}/${uniqueName('crash')}/busybox:1`;
    buildah.run(['push', '--tls-verify=false', imageId, `docker://${baseImage}`]);

    objects = await HubObjects.create(env, namespace);
    versions['ConfigMap/slow-dockerfile'] = await objects.configMap('slow-dockerfile', {
      dockerfile: `FROM ${baseImage}\nRUN echo ${marker} && sleep ${sleepS}\n`,
    });
    versions['Secret/push-auth'] = await objects.secret(
      'push-auth',
      { '.dockerconfigjson': dockerConfigJson(env.authRegistry.host, env.authRegistry.username ?? '', password) },
      'kubernetes.io/dockerconfigjson',
    );
    pipeline = await startImages({ env, namespace, queuePrefix, role: 'controller' });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.close();
    // Set in beforeAll, which may have failed before it got there.
    if (group) await group.stopAll();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const requestSlowBuild = (harness: ImagesHarness, image: string) =>
    harness.pipeline.request({
      mcm: 'crash',
      moduleName: 'crash',
      moduleNamespace: 'default',
      kernel: '6.1.0-56-amd64',
      image,
      build: { dockerfileConfigMap: { name: 'slow-dockerfile' } },
      imageRepoSecret: { name: 'push-auth', resourceVersion: versions['Secret/push-auth'] ?? '' },
      inputVersions: { ...versions },
    });

  it('kills buildah with the worker, removes the left folder at the next start-up and leaves no password', async () => {
    const image = `${env.authRegistry.host}/${uniqueName('crash')}/slow:1`;
    const worker = await startWorker('worker-1', queuePrefix);
    await requestSlowBuild(pipeline, image);

    // The RUN step sleeps (its output written): buildah (named by its build folder), the step's shell (named by the
    // marker) and the sleep.
    let builders: number[] = [];
    await waitUntil(
      'the RUN step to start',
      async () => {
        const sleeping = processesWith(`sleep\0${sleepS}\0`);
        builders = [...processesWith(buildDirs), ...processesWith(marker), ...sleeping];
        return sleeping.length > 0;
      },
      { timeoutMs: 60_000, logPath: worker.logPath },
    );
    const [left] = readdirSync(buildDirs).filter((name) => name.startsWith(BUILD_DIR_PREFIX));
    expect(left).toBeDefined();
    expect(readFileSync(join(buildDirs, left!, 'auth.json'), 'utf8')).toContain('auths');

    process.kill(worker.pid, 'SIGKILL');
    await worker.exited;
    expect(builders.length).toBeGreaterThan(1);
    await waitUntil('buildah and its RUN step to die with the worker', async () =>
      builders.every((p) => !isRunning(p)),
    );
    expect([...processesWith(marker), ...processesWith(`sleep\0${sleepS}\0`)]).toEqual([]);
    // What SIGKILL leaves behind: the folder (no finally block ran).
    expect(existsSync(join(buildDirs, left!))).toBe(true);

    // The next worker (on an empty queue, so it builds nothing) removes the dead worker's folder as it starts.
    const next = await startWorker('worker-2', uniqueName('t-crash-empty'));
    await waitUntil('the next worker to remove the left folder', async () => !existsSync(join(buildDirs, left!)), {
      timeoutMs: 30_000,
      logPath: next.logPath,
      exited: next.exited,
    });
    await group.stop(next);

    const registry = new RegistryClient({
      registry: env.authRegistry.host,
      credentials: new RegistryCredentials(env.authRegistry.username ?? '', password),
    });
    await expect(registry.resolveDigest(image)).resolves.toBeNull();
    expect(filesHolding(buildDirs, password)).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(BUILD_DIR_PREFIX))).toEqual([]);
    expect(filesHolding(workDir, password)).toEqual([]);
  }, 180_000);

  it('stops buildah and removes its folder when the worker shuts down', async () => {
    const prefix = uniqueName('t-shutdown');
    const worker = await startWorker('worker-3', prefix);
    const harness = await startImages({ env, namespace, queuePrefix: prefix, role: 'controller' });
    try {
      await requestSlowBuild(harness, `${env.authRegistry.host}/${uniqueName('shutdown')}/slow:1`);
      await waitUntil('the RUN step to sleep', async () => processesWith(`sleep\0${sleepS}\0`).length > 0, {
        timeoutMs: 60_000,
        logPath: worker.logPath,
      });
      const builders = [...processesWith(buildDirs), ...processesWith(`sleep\0${sleepS}\0`)];
      await group.stop(worker, 30_000);
      expect(worker.child.signalCode).toBeNull();
      expect(builders.filter(isRunning)).toEqual([]);
      expect(readdirSync(buildDirs)).toEqual([]);
    } finally {
      await harness.close();
    }
  }, 120_000);
});
