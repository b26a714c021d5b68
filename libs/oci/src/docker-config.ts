// `.dockerconfigjson` (Kubernetes `kubernetes.io/dockerconfigjson` Secrets, `~/.docker/config.json`) and the
// choice of credentials for an image, as the kubelet makes it for imagePullSecrets.

import { normalizeRegistry } from '@kmm-hub/image-reference';

const REDACTED = '[REDACTED]';

/** A username and password for one registry. The password never appears in JSON or `util.inspect` output. */
export class RegistryCredentials {
  readonly #password: string;

  constructor(
    readonly username: string,
    password: string,
  ) {
    this.#password = password;
  }

  get password(): string {
    return this.#password;
  }

  /** Value of an `Authorization: Basic …` header. */
  basicAuthorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`, 'utf8').toString('base64')}`;
  }

  toJSON(): { username: string; password: string } {
    return { username: this.username, password: REDACTED };
  }

  toString(): string {
    return `RegistryCredentials(${this.username}, ${REDACTED})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** One `auths` entry, keyed as written in the file. */
export interface DockerConfigEntry {
  key: string;
  credentials: RegistryCredentials;
}

export interface DockerConfig {
  entries: DockerConfigEntry[];
}

export type DockerConfigResult = { ok: true; config: DockerConfig } | { ok: false; issues: string[] };

/**
 * Reads a `.dockerconfigjson` (`{"auths": {...}}`) or a legacy `.dockercfg` (the `auths` map itself). An entry
 * gives credentials by `username`/`password` or by `auth` = base64(`username:password`); when both are given,
 * `auth` wins, as in the kubelet. Entries without either are skipped, entries that cannot be decoded are issues.
 * Issues never quote secret values.
 */
export function parseDockerConfig(input: string | Uint8Array): DockerConfigResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch {
    return { ok: false, issues: ['docker config is not valid JSON'] };
  }
  if (!isRecord(parsed)) return { ok: false, issues: ['docker config must be a JSON object'] };
  const auths = 'auths' in parsed ? parsed['auths'] : parsed;
  if (!isRecord(auths)) return { ok: false, issues: ['docker config "auths" must be an object'] };

  const issues: string[] = [];
  const entries: DockerConfigEntry[] = [];
  for (const [key, value] of Object.entries(auths)) {
    if (!isRecord(value)) {
      issues.push(`auths["${key}"] must be an object`);
      continue;
    }
    const credentials = readCredentials(key, value, issues);
    if (credentials !== undefined) entries.push({ key, credentials });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: { entries } };
}

/**
 * Credentials for an image in `registry` (as written in references) and `repository`, or undefined for anonymous
 * access. Matching follows the kubelet's keyring:
 * - a key's scheme is ignored, and a leading `/v1/` or `/v2/` path (API versions) is dropped;
 * - `docker.io`, `index.docker.io` and `registry-1.docker.io` name the same registry;
 * - hosts compare case-insensitively; `*` in a key matches within one label (`*.example.com` matches
 *   `a.example.com`, not `example.com` nor `a.b.example.com`);
 * - ports must be equal (a key without a port matches only references without a port);
 * - a key with a path matches repositories under that path, at a `/` boundary;
 * - the most specific key wins: the longest path, then a host without wildcards, then the first in the file.
 */
export function findCredentials(
  config: DockerConfig,
  registry: string,
  repository = '',
): RegistryCredentials | undefined {
  const target = splitHostPort(normalizeRegistry(registry).toLowerCase());
  let best: { entry: DockerConfigEntry; pathLength: number; wildcards: number } | undefined;
  for (const entry of config.entries) {
    const key = parseKey(entry.key);
    if (key === undefined || key.port !== target.port) continue;
    if (!hostMatches(key.host, target.host)) continue;
    if (key.path.length > 0 && repository !== key.path && !repository.startsWith(`${key.path}/`)) continue;
    const wildcards = key.host.split('.').filter((label) => label.includes('*')).length;
    const better =
      best === undefined ||
      key.path.length > best.pathLength ||
      (key.path.length === best.pathLength && wildcards < best.wildcards);
    if (better) best = { entry, pathLength: key.path.length, wildcards };
  }
  return best?.entry.credentials;
}

function readCredentials(
  key: string,
  value: Record<string, unknown>,
  issues: string[],
): RegistryCredentials | undefined {
  const auth = value['auth'];
  if (typeof auth === 'string' && auth.length > 0) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) {
      issues.push(`auths["${key}"].auth is not base64`);
      return undefined;
    }
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      issues.push(`auths["${key}"].auth must decode to "username:password"`);
      return undefined;
    }
    return new RegistryCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  const username = value['username'];
  const password = value['password'];
  if (username === undefined && password === undefined) return undefined;
  if (typeof username !== 'string' || typeof password !== 'string') {
    issues.push(`auths["${key}"] must give "username" and "password" as strings`);
    return undefined;
  }
  return new RegistryCredentials(username, password);
}

interface ConfigKey {
  host: string;
  port: string;
  path: string;
}

function parseKey(raw: string): ConfigKey | undefined {
  let rest = raw.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = rest.indexOf('/');
  let path = '';
  if (slash !== -1) {
    path = rest.slice(slash + 1).replace(/\/+$/, '');
    rest = rest.slice(0, slash);
  }
  if (rest.length === 0) return undefined;
  const { host, port } = splitHostPort(rest.toLowerCase());
  // `/v1/` and `/v2/` (Docker Hub's legacy https://index.docker.io/v1/) name an API version, not a repository.
  path = path.replace(/^v[12](\/|$)/, '');
  return { host: normalizeRegistry(host), port, path };
}

function splitHostPort(hostPort: string): { host: string; port: string } {
  const ipv6 = /^(\[[^\]]*\])(?::(\d+))?$/.exec(hostPort);
  if (ipv6) return { host: ipv6[1] ?? '', port: ipv6[2] ?? '' };
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1) return { host: hostPort, port: '' };
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.includes('*')) return pattern === host;
  const patternLabels = pattern.split('.');
  const hostLabels = host.split('.');
  if (patternLabels.length !== hostLabels.length) return false;
  return patternLabels.every((label, i) => labelGlob(label).test(hostLabels[i] ?? ''));
}

function labelGlob(label: string): RegExp {
  const escaped = label.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^.]*')}$`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
