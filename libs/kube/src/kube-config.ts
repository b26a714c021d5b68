import { readFileSync } from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { ExecCredentialSource, parseExecPluginConfig, type ExecPluginConfig } from './exec-credential.js';

export type KubeConnection =
  | { kind: 'token'; name: string; server: string; token: string; caPem?: string; insecureSkipTLSVerify?: boolean }
  | { kind: 'file'; path: string; context?: string }
  /**
   * A kubeconfig and the files it names, held in memory (the keys of a Secret such as OCM's `hub-kubeconfig-secret`):
   * relative names in the kubeconfig are keys of `files`, absolute ones are read from disk as for a file.
   */
  | { kind: 'files'; files: Readonly<Record<string, Buffer>>; kubeconfigKey: string; source: string; context?: string }
  | { kind: 'in-cluster' };

/** Where an API server is and how to trust it. */
export interface KubeCluster {
  name: string;
  server: string;
  caPem?: string;
  insecureSkipTLSVerify: boolean;
  /** SNI and certificate name to expect when it differs from the server's host (kubeconfig `tls-server-name`). */
  tlsServerName?: string;
}

/** Who we are to it: at most one of a bearer token (inline or a file), a client certificate, or basic auth. */
export interface KubeUser {
  token?: string;
  /** Re-read while the process runs: projected service-account tokens are rotated in place. */
  tokenFile?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  username?: string;
  password?: string;
  /** An exec credential plugin, run with the kubeconfig's folder as the base of a relative command path. */
  exec?: { config: ExecPluginConfig; baseDir: string };
}

/** A kubeconfig entry reduced to what a request needs, with the files it names still to be read. */
export interface KubeconfigSelection {
  contextName: string;
  cluster: {
    name: string;
    server: string;
    caFile?: string;
    caData?: string;
    insecureSkipTLSVerify: boolean;
    tlsServerName?: string;
  };
  user: {
    token?: string;
    tokenFile?: string;
    clientCertFile?: string;
    clientCertData?: string;
    clientKeyFile?: string;
    clientKeyData?: string;
    username?: string;
    password?: string;
    exec?: ExecPluginConfig;
  };
}

function str(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`kubeconfig: ${field} must be a string`);
  return value;
}

function findNamed(list: unknown, kind: 'cluster' | 'user' | 'context', name: string): Record<string, unknown> {
  const entries = Array.isArray(list) ? (list as (Record<string, unknown> | null)[]) : [];
  const entry = entries.find((e) => e?.name === name);
  if (!entry) throw new Error(`kubeconfig: ${kind} "${name}" not found`);
  const body = entry[kind];
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new Error(`kubeconfig: ${kind} "${name}" has no ${kind} section`);
  }
  return body as Record<string, unknown>;
}

/**
 * Picks the context (the given one, else current-context) of a parsed kubeconfig and the cluster and user it names.
 * Static credentials and exec credential plugins are supported. Auth providers (the deprecated in-tree gcp, azure and
 * oidc helpers, removed from client-go in 1.26) are refused with a message naming the alternatives.
 */
export function selectKubeconfigContext(doc: unknown, context?: string): KubeconfigSelection {
  if (doc === null || typeof doc !== 'object') throw new Error('kubeconfig: not a YAML mapping');
  const config = doc as Record<string, unknown>;
  const contextName = context ?? str(config['current-context'], 'current-context');
  if (!contextName) throw new Error('kubeconfig: no context given and no current-context set');
  const ctx = findNamed(config.contexts, 'context', contextName);
  const clusterName = str(ctx.cluster, `context "${contextName}".cluster`);
  if (!clusterName) throw new Error(`kubeconfig: context "${contextName}" names no cluster`);
  const cluster = findNamed(config.clusters, 'cluster', clusterName);
  const server = str(cluster.server, `cluster "${clusterName}".server`);
  if (!server) throw new Error(`kubeconfig: cluster "${clusterName}" has no server`);
  try {
    const url = new URL(server);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(url.protocol);
  } catch {
    throw new Error(`kubeconfig: cluster "${clusterName}" server "${server}" is not an http(s) URL`);
  }
  const userName = str(ctx.user, `context "${contextName}".user`);
  const user = userName ? findNamed(config.users, 'user', userName) : {};
  if (user['auth-provider'] !== undefined) {
    throw new Error(
      `kubeconfig: user "${userName}" uses auth-provider, which KMM-Hub does not run; ` +
        'give it an exec credential plugin, a token, tokenFile or client certificate instead',
    );
  }
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') {
    throw new Error(`kubeconfig: cluster "${clusterName}".insecure-skip-tls-verify must be true or false`);
  }
  const field = (body: Record<string, unknown>, key: string, owner: string) => str(body[key], `${owner}.${key}`);
  const c = `cluster "${clusterName}"`;
  const u = `user "${userName}"`;
  return {
    contextName,
    cluster: {
      name: clusterName,
      server,
      caFile: field(cluster, 'certificate-authority', c),
      caData: field(cluster, 'certificate-authority-data', c),
      insecureSkipTLSVerify: insecure ?? false,
      tlsServerName: field(cluster, 'tls-server-name', c),
    },
    user: {
      token: field(user, 'token', u),
      tokenFile: field(user, 'tokenFile', u),
      clientCertFile: field(user, 'client-certificate', u),
      clientCertData: field(user, 'client-certificate-data', u),
      clientKeyFile: field(user, 'client-key', u),
      clientKeyData: field(user, 'client-key-data', u),
      username: field(user, 'username', u),
      password: field(user, 'password', u),
      ...(user.exec !== undefined && user.exec !== null && { exec: parseExecPluginConfig(user.exec, u) }),
    },
  };
}

const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * How long a connection may sit unused before we close it: above the longest periodic request (the agent's 60 s Lease
 * and cluster status) and below kube-apiserver's own 90 s (`IdleTimeout` in
 * k8s.io/apiserver/pkg/server/secure_serving.go), so it is always us who close it, never a request racing the server.
 */
const IDLE_CONNECTION_MS = 75_000;

/**
 * The one way the project reaches an API server: its address, the CA to trust and the credential to present,
 * applied to each node:https request. Deliberately not @kubernetes/client-node's KubeConfig: loading that package
 * pulls in its whole generated API (~60 MiB resident), which the spoke agent's footprint cannot afford.
 */
export class KubeClientConfig {
  private tokenCache: { value: string; readAt: number } | undefined;
  private readonly exec: ExecCredentialSource | undefined;
  /**
   * Connections kept open between requests. Node's global agent closes an idle socket after 5 s, so a Lease renewed
   * every 5 s (and every other periodic request) paid a new TLS handshake and secure context each time, a large
   * part of an idle hub's JavaScript time. The pool is keyed by the TLS material (the agent names sockets by ca/cert/key), so a
   * rotated client certificate gets new connections.
   */
  private readonly agent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_CONNECTION_MS });

  constructor(
    readonly cluster: KubeCluster,
    readonly user: KubeUser,
    private readonly now: () => number = Date.now,
  ) {
    this.exec = user.exec && new ExecCredentialSource(user.exec.config, { baseDir: user.exec.baseDir, cluster }, now);
  }

  /** True when credentials come from an exec plugin: a 401 then means "run it again", not "wrong credentials". */
  get usesExecPlugin(): boolean {
    return this.exec !== undefined;
  }

  /** Runs the exec plugin if its credential is missing or expired; nothing to do for static credentials. */
  async prepare(): Promise<void> {
    await this.exec?.refresh();
  }

  /** Forgets the exec plugin's credential (the server refused it), so the next request runs the plugin again. */
  invalidateCredentials(): void {
    this.exec?.invalidate();
  }

  get server(): string {
    return this.cluster.server;
  }

  /** The bearer token to send now (a token file is re-read at most once a minute). */
  bearerToken(): string | undefined {
    const fromExec = this.exec?.current();
    if (fromExec !== undefined) return fromExec.token;
    if (this.user.token) return this.user.token;
    const file = this.user.tokenFile;
    if (!file) return undefined;
    if (this.tokenCache === undefined || this.now() - this.tokenCache.readAt >= TOKEN_FILE_REREAD_MS) {
      this.tokenCache = { value: readFileSync(file, 'utf8').trim(), readAt: this.now() };
    }
    return this.tokenCache.value;
  }

  /** Adds TLS trust, the client certificate and the Authorization header to a request's options. */
  applyTo(opts: RequestOptions): void {
    const { caPem, insecureSkipTLSVerify, tlsServerName } = this.cluster;
    if (this.cluster.server.startsWith('https:')) opts.agent = this.agent;
    if (caPem !== undefined) opts.ca = caPem;
    if (insecureSkipTLSVerify) opts.rejectUnauthorized = false;
    if (tlsServerName !== undefined) opts.servername = tlsServerName;
    const fromExec = this.exec?.current();
    const cert = fromExec?.clientCertPem ?? this.user.clientCertPem;
    const key = fromExec?.clientKeyPem ?? this.user.clientKeyPem;
    if (cert !== undefined) opts.cert = cert;
    if (key !== undefined) opts.key = key;
    const token = this.bearerToken();
    let authorization: string | undefined;
    if (token) authorization = `Bearer ${token}`;
    else if (this.user.username !== undefined) {
      authorization = `Basic ${Buffer.from(`${this.user.username}:${this.user.password ?? ''}`).toString('base64')}`;
    }
    if (authorization !== undefined) opts.headers = { ...opts.headers, authorization };
  }
}

/** Where a kubeconfig's text and the files it names come from. */
interface KubeconfigFiles {
  /** Names the kubeconfig in error messages. */
  readonly source: string;
  /** The text of a file the kubeconfig names (relative names as kubectl resolves them: beside the kubeconfig). */
  read(file: string): string;
  /** The folder relative names mean, or undefined when they are in-memory keys (no folder exists). */
  readonly dir: string | undefined;
}

function loadKubeconfig(text: string, files: KubeconfigFiles, context?: string): KubeClientConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`kubeconfig ${files.source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const sel = selectKubeconfigContext(doc, context);
  const pem = (file: string | undefined, data: string | undefined) =>
    data !== undefined
      ? Buffer.from(data, 'base64').toString('utf8')
      : file === undefined
        ? undefined
        : files.read(file);
  const { tokenFile } = sel.user;
  // A token file on disk is re-read while the process runs (rotated in place); an in-memory one is read once.
  const token =
    sel.user.token ?? (tokenFile !== undefined && files.dir === undefined ? files.read(tokenFile).trim() : undefined);
  return new KubeClientConfig(
    {
      name: sel.cluster.name,
      server: sel.cluster.server,
      caPem: pem(sel.cluster.caFile, sel.cluster.caData),
      insecureSkipTLSVerify: sel.cluster.insecureSkipTLSVerify,
      tlsServerName: sel.cluster.tlsServerName,
    },
    {
      token,
      tokenFile:
        tokenFile === undefined || files.dir === undefined
          ? undefined
          : isAbsolute(tokenFile)
            ? tokenFile
            : join(files.dir, tokenFile),
      clientCertPem: pem(sel.user.clientCertFile, sel.user.clientCertData),
      clientKeyPem: pem(sel.user.clientKeyFile, sel.user.clientKeyData),
      username: sel.user.username,
      password: sel.user.password,
      // An exec command given as a relative path means one beside a kubeconfig file; with no folder, the working one.
      ...(sel.user.exec !== undefined && { exec: { config: sel.user.exec, baseDir: files.dir ?? process.cwd() } }),
    },
  );
}

/** Loads a kubeconfig file; files it names are relative to the kubeconfig's folder, as kubectl resolves them. */
export function loadKubeconfigFile(path: string, context?: string): KubeClientConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const dir = dirname(path);
  const read = (f: string) => readFileSync(isAbsolute(f) ? f : join(dir, f), 'utf8');
  return loadKubeconfig(text, { source: path, read, dir }, context);
}

/**
 * Loads a kubeconfig held in memory with the files it names, never writing them to disk: a relative name is a key
 * of `files` (OCM's `hub-kubeconfig-secret` names `tls.crt`/`tls.key` beside its `kubeconfig` key).
 */
export function loadKubeconfigFiles(
  files: Readonly<Record<string, Buffer>>,
  kubeconfigKey: string,
  source: string,
  context?: string,
): KubeClientConfig {
  const text = files[kubeconfigKey];
  if (text === undefined) throw new Error(`${source} has no key "${kubeconfigKey}"`);
  const read = (f: string) => {
    if (isAbsolute(f)) return readFileSync(f, 'utf8');
    const data = Object.hasOwn(files, f) ? files[f] : undefined;
    if (data === undefined) throw new Error(`kubeconfig ${source}: names "${f}", which ${source} has no key for`);
    return data.toString('utf8');
  };
  return loadKubeconfig(text.toString('utf8'), { source, read, dir: undefined }, context);
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod's own service account, as client-go's rest.InClusterConfig finds it. */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeClientConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return new KubeClientConfig(
    {
      name: 'in-cluster',
      server: `https://${hostPart}:${port}`,
      caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      insecureSkipTLSVerify: false,
    },
    { tokenFile: join(dir, 'token') },
  );
}

/** The one way the project builds a client configuration, whichever cluster (hub or spoke) and credential. */
export function createKubeConfig(conn: KubeConnection): KubeClientConfig {
  switch (conn.kind) {
    case 'token':
      return new KubeClientConfig(
        {
          name: conn.name,
          server: conn.server,
          caPem: conn.caPem,
          insecureSkipTLSVerify: conn.insecureSkipTLSVerify ?? false,
        },
        { token: conn.token },
      );
    case 'file':
      return loadKubeconfigFile(conn.path, conn.context);
    case 'files':
      return loadKubeconfigFiles(conn.files, conn.kubeconfigKey, conn.source, conn.context);
    case 'in-cluster':
      return inClusterConfig();
  }
}
