// The private folders of buildah builds. Each holds a build's inputs, the registry auth file among them, and is
// named after the process that made it (PID and start time), so that a process starting later can tell the folders
// of a hub that died mid-build (SIGKILL, OOM kill, node crash) and remove them, and never touches another live
// process's folders or anything that is not ours.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const BUILD_DIR_PREFIX = 'kmm-hub-buildah-';

/** The process that owns a build folder. `startTime` is /proc/<pid>/stat field 22 (clock ticks since boot). */
export interface BuildDirOwner {
  pid: number;
  startTime: string;
}

/** A new private (0700) build folder in `base`, named after `owner`. */
export function createBuildDir(base: string, owner: BuildDirOwner): Promise<string> {
  return mkdtemp(join(base, `${BUILD_DIR_PREFIX}${owner.pid}-${owner.startTime}-`));
}

/** Pure: the owner a folder name records, or undefined for a name that is not one of our build folders. */
export function parseBuildDirName(name: string): BuildDirOwner | undefined {
  const match = new RegExp(`^${BUILD_DIR_PREFIX}(\\d+)-(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
  if (match === null) return undefined;
  return { pid: Number(match[1]), startTime: match[2] ?? '' };
}

/** Pure: field 22 (starttime) of a /proc/<pid>/stat line; the command name in field 2 may hold spaces and ")". */
export function parseStatStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state), so field 22 is index 19.
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** The PID and start time of a running process, or undefined when it does not run. */
export async function processIdentity(pid: number): Promise<BuildDirOwner | undefined> {
  try {
    const startTime = parseStatStartTime(await readFile(`/proc/${pid}/stat`, 'utf8'));
    return startTime === undefined ? undefined : { pid, startTime };
  } catch {
    return undefined;
  }
}

/**
 * Removes the build folders in `base` whose owner no longer runs (a PID that now belongs to another process
 * counts as gone: its start time differs). Returns the folders removed.
 */
export async function removeStaleBuildDirs(base: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(base)) {
    const owner = parseBuildDirName(name);
    if (owner === undefined) continue;
    const running = await processIdentity(owner.pid);
    if (running !== undefined && running.startTime === owner.startTime) continue;
    const dir = join(base, name);
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
