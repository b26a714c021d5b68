// Pure: the buildah command lines of one build. The build mirrors what the kaniko Job does: the Dockerfile is
// the whole context, build secrets are visible to RUN steps at /run/secrets/<name> (bind mounts, which buildah
// never commits), the imageRepoSecret is the auth file for pulls and the push, and the image carries the job label.
import { allowsPlainHttp, parseImageReference } from '@kmm-hub/oci';
import type { BuildahOptions } from '../image-queues/images.options.js';
import type { BuildSpec } from './build-executor.js';

export interface BuildahPaths {
  contextDir: string;
  dockerfile: string;
  iidFile: string;
  digestFile: string;
  authFile?: string;
  /** Folder holding the files of each build Secret, by Secret name. */
  secretDirs: ReadonlyMap<string, string>;
}

/** Storage options that precede the subcommand. */
export function buildahGlobalArgs(options: BuildahOptions): string[] {
  const args: string[] = [];
  if (options.root !== undefined) args.push('--root', options.root);
  if (options.runroot !== undefined) args.push('--runroot', options.runroot);
  if (options.storageDriver !== undefined) args.push('--storage-driver', options.storageDriver);
  return args;
}

/**
 * `baseRegistries` are the registries of the Dockerfile's FROM images (see `baseImageRegistries`). buildah's
 * `--tls-verify` covers every pull of the build, so one base on a registry that allows plain HTTP turns it off for
 * all of them.
 */
export function buildahBuildArgs(
  spec: BuildSpec,
  paths: BuildahPaths,
  options: BuildahOptions,
  baseRegistries: readonly string[] = [],
): string[] {
  const args = [
    ...buildahGlobalArgs(options),
    'build',
    '--isolation',
    options.isolation,
    // Deterministic timestamps: the same inputs give the same layers, so a repeated push writes the same content.
    '--timestamp',
    '0',
    '--layers=false',
    '--file',
    paths.dockerfile,
    '--iidfile',
    paths.iidFile,
  ];
  if (!verifiesTls(spec.baseImageRegistryTLS) || baseRegistries.some(allowsPlainHttp)) args.push('--tls-verify=false');
  if (paths.authFile !== undefined) args.push('--authfile', paths.authFile);
  for (const arg of spec.buildArgs) args.push('--build-arg', `${arg.name}=${arg.value}`);
  for (const [key, value] of Object.entries(spec.labels).toSorted(([a], [b]) => (a < b ? -1 : 1))) {
    args.push('--label', `${key}=${value}`);
  }
  for (const [key, value] of Object.entries(spec.annotations).toSorted(([a], [b]) => (a < b ? -1 : 1))) {
    args.push('--annotation', `${key}=${value}`);
  }
  for (const name of spec.secrets) {
    const dir = paths.secretDirs.get(name);
    if (dir === undefined) throw new Error(`no folder for build secret ${name}`);
    args.push('--volume', `${dir}:/run/secrets/${name}:ro`);
  }
  args.push(paths.contextDir);
  return args;
}

export function buildahPushArgs(
  spec: BuildSpec,
  imageId: string,
  paths: BuildahPaths,
  options: BuildahOptions,
): string[] {
  const args = [...buildahGlobalArgs(options), 'push', '--digestfile', paths.digestFile];
  if (!verifiesTls(spec.registryTLS) || allowsPlainHttp(parseImageReference(spec.target).registry)) {
    args.push('--tls-verify=false');
  }
  if (paths.authFile !== undefined) args.push('--authfile', paths.authFile);
  args.push(imageId, `docker://${spec.target}`);
  return args;
}

export function buildahRemoveArgs(imageId: string, options: BuildahOptions): string[] {
  return [...buildahGlobalArgs(options), 'rmi', '--force', imageId];
}

/** `STEP 2/5: RUN …` → 2/5 done, for progress. */
export function parseBuildahStep(line: string): { step: number; of: number } | undefined {
  const match = /^STEP (\d+)\/(\d+):/.exec(line);
  if (match === null) return undefined;
  return { step: Number(match[1]), of: Number(match[2]) };
}

/**
 * buildah's own error line saying a registry refused the credentials or the operation (retrying will not help).
 * Output of RUN steps ("Permission denied") never starts with `Error:`, so it is not mistaken for a refusal.
 */
export function isRefusal(line: string): boolean {
  return (
    line.startsWith('Error: ') &&
    /\b(unauthorized|authentication required|denied|forbidden|method not allowed|StatusCode: 40[135])\b/i.test(line)
  );
}

/**
 * The registries of the images a Dockerfile's FROM lines name, with `$NAME` / `${NAME}` taken from the build args
 * and from ARG defaults before the first FROM; stages named by an earlier `AS`, `scratch` and references that stay
 * unresolved are left out.
 */
export function baseImageRegistries(
  dockerfile: string,
  buildArgs: readonly { name: string; value: string }[],
): string[] {
  const args = new Map<string, string>();
  const given = new Map(buildArgs.map((a) => [a.name, a.value]));
  const stages = new Set<string>();
  const registries = new Set<string>();
  let seenFrom = false;
  for (const line of dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    const instruction = words[0]?.toUpperCase();
    if (instruction === 'ARG' && !seenFrom) {
      for (const word of words.slice(1)) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        const value = given.get(name) ?? (eq < 0 ? undefined : word.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
        if (value !== undefined) args.set(name, value);
      }
    }
    if (instruction !== 'FROM') continue;
    seenFrom = true;
    const rest = words.slice(1).filter((w) => !w.startsWith('--'));
    const image = rest[0] ?? '';
    const resolved = image.replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
      (whole, name: string) => args.get(name) ?? whole,
    );
    const pulled = !resolved.includes('$') && resolved !== '' && resolved !== 'scratch';
    if (pulled && !stages.has(resolved.toLowerCase())) {
      try {
        registries.add(parseImageReference(resolved).registry);
      } catch {
        // Not an image reference buildah would pull either; the build reports it.
      }
    }
    if (rest[1]?.toUpperCase() === 'AS' && rest[2] !== undefined) stages.add(rest[2].toLowerCase());
  }
  return [...registries].toSorted();
}

function verifiesTls(tls: { insecure: boolean; insecureSkipTLSVerify: boolean }): boolean {
  return !tls.insecure && !tls.insecureSkipTLSVerify;
}
