// buildah for the image tests: storage (vfs), run root and temporary files in one scratch folder, chroot isolation,
// so a test needs no daemon, no runtime, no registry and leaves nothing behind. Also builds the local stand-in for
// the official Node.js base image from this machine's own Node, since no image registry is reachable here.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ImageInspection {
  config: { User?: string; Entrypoint?: string[]; Env?: string[]; WorkingDir?: string };
  /** Uncompressed layer sizes, base layers first. */
  layerSizes: number[];
}

export class Buildah {
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly workDir: string) {
    this.env = {
      ...process.env,
      CONTAINERS_STORAGE_CONF: join(workDir, 'storage.conf'),
      STORAGE_DRIVER: 'vfs',
      BUILDAH_ISOLATION: 'chroot',
      // Cache mounts (RUN --mount=type=cache) live under TMPDIR.
      TMPDIR: join(workDir, 'tmp'),
    };
  }

  async init(): Promise<void> {
    await mkdir(join(this.workDir, 'tmp'), { recursive: true });
    const conf = `[storage]\ndriver = "vfs"\nrunroot = "${this.workDir}/run"\ngraphroot = "${this.workDir}/graph"\n`;
    await writeFile(join(this.workDir, 'storage.conf'), conf);
  }

  async exec(args: string[], cwd?: string): Promise<string> {
    try {
      const { stdout } = await run('buildah', args, { env: this.env, cwd, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`buildah ${args.join(' ')} failed:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`, {
        cause: err,
      });
    }
  }

  async inspect(image: string): Promise<ImageInspection> {
    const info = JSON.parse(await this.exec(['inspect', '--type', 'image', image])) as {
      OCIv1: { config: ImageInspection['config'] };
      Manifest: string;
    };
    const manifest = JSON.parse(info.Manifest) as { layers: { size: number }[] };
    return { config: info.OCIv1.config, layerSizes: manifest.layers.map((l) => l.size) };
  }

  /** Runs a command in a fresh working container of `image` (as the image's user), then removes the container. */
  async runIn(image: string, command: string[]): Promise<string> {
    const container = (await this.exec(['from', '--pull=never', image])).trim();
    try {
      return await this.exec(['run', container, '--', ...command]);
    } finally {
      await this.exec(['rm', container]);
    }
  }
}

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
}

/**
 * A Node.js base image like the official one, from this machine: its node binary and shared libraries, its npm,
 * busybox-static for a shell, and its CA bundle (npm reaches the registry through whatever this machine trusts).
 * Node at /usr/local/bin and uid 1000 "node", as in docker.io/library/node.
 */
export async function buildLocalNodeImage(buildah: Buildah, tag: string): Promise<void> {
  const root = join(buildah.workDir, 'node-rootfs');
  const node = await realpath(process.execPath);
  const npm = join(dirname(dirname(node)), 'lib', 'node_modules', 'npm');
  const busybox = '/bin/busybox';
  const caBundle = '/etc/ssl/certs/ca-certificates.crt';
  for (const needed of [npm, busybox]) if (!existsSync(needed)) throw new Error(`${needed} is missing`);

  for (const dir of ['bin', 'usr/bin', 'usr/local/bin', 'usr/local/lib/node_modules', 'etc/ssl/certs', 'root', 'tmp']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await copyFile(node, join(root, 'usr/local/bin/node'));
  for (const lib of await sharedLibraries(node)) {
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(await realpath(lib), join(root, lib));
  }
  await cp(npm, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  await copyFile(busybox, join(root, 'bin/busybox'));
  const { stdout: applets } = await run(busybox, ['--list']);
  for (const applet of applets.split('\n').filter((a) => a && a !== 'busybox')) {
    await symlink('busybox', join(root, 'bin', applet));
  }
  await symlink('/bin/env', join(root, 'usr/bin/env'));
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  const env = ['PATH=/usr/local/bin:/usr/bin:/bin'];
  if (existsSync(caBundle)) {
    await copyFile(caBundle, join(root, caBundle));
    env.push(`NODE_EXTRA_CA_CERTS=${caBundle}`);
  }

  const container = (await buildah.exec(['from', 'scratch'])).trim();
  await buildah.exec(['copy', container, root, '/']);
  await buildah.exec(['config', ...env.flatMap((e) => ['--env', e]), '--cmd', 'node', container]);
  await buildah.exec(['commit', '--rm', container, tag]);
}
