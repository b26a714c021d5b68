import { execFile } from 'node:child_process';
import { isAbsolute, join } from 'node:path';

// Exec credential plugins as client-go runs them
// (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins and
// k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go): the kubeconfig names a command, its args and extra env;
// its stdout is an ExecCredential whose status holds a bearer token or a client certificate and key, valid until
// expirationTimestamp. EKS (`aws eks get-token`), GKE (`gke-gcloud-auth-plugin`) and `oc` logins work this way.

const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;

/** A kubeconfig user's `exec` section. */
export interface ExecPluginConfig {
  apiVersion: string;
  /** An absolute path, a name looked up on PATH, or a path relative to the kubeconfig's folder. */
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  provideClusterInfo: boolean;
}

/** What a plugin run gave: a token or a client certificate, and until when (undefined: until the server refuses it). */
export interface ExecCredential {
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  expiresAt?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads a kubeconfig user's `exec` section; `owner` names the user in messages. */
export function parseExecPluginConfig(exec: unknown, owner: string): ExecPluginConfig {
  if (!isRecord(exec)) throw new Error(`kubeconfig: ${owner}.exec must be a mapping`);
  const apiVersion = exec.apiVersion;
  if (typeof apiVersion !== 'string' || !(API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new Error(`kubeconfig: ${owner}.exec.apiVersion must be one of ${API_VERSIONS.join(', ')}`);
  }
  const command = exec.command;
  if (typeof command !== 'string' || command === '') throw new Error(`kubeconfig: ${owner}.exec.command is required`);
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new Error(`kubeconfig: ${owner}.exec.args must be a list of strings`);
  }
  const env = exec.env ?? [];
  if (
    !Array.isArray(env) ||
    !env.every((e) => isRecord(e) && typeof e.name === 'string' && typeof e.value === 'string')
  ) {
    throw new Error(`kubeconfig: ${owner}.exec.env must be a list of {name, value} strings`);
  }
  if (exec.interactiveMode === 'Always') {
    throw new Error(`kubeconfig: ${owner}.exec.interactiveMode is Always, but KMM-Hub runs without a terminal`);
  }
  return {
    apiVersion,
    command,
    args: args as string[],
    env: (env as { name: string; value: string }[]).map(({ name, value }) => ({ name, value })),
    provideClusterInfo: exec.provideClusterInfo === true,
  };
}

/**
 * Reads a plugin's stdout. It must be an ExecCredential of the apiVersion asked for, with a token or both
 * clientCertificateData and clientKeyData; an expirationTimestamp must be an RFC 3339 time.
 */
export function parseExecCredential(stdout: string, apiVersion: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error('exec plugin: stdout is not JSON');
  }
  if (!isRecord(doc) || doc.kind !== 'ExecCredential') throw new Error('exec plugin: stdout is not an ExecCredential');
  if (doc.apiVersion !== apiVersion) {
    throw new Error(
      `exec plugin: answered apiVersion ${String(doc.apiVersion)}, the kubeconfig asked for ${apiVersion}`,
    );
  }
  const status = doc.status;
  if (!isRecord(status)) throw new Error('exec plugin: the ExecCredential has no status');
  const str = (key: string) => {
    const v = status[key];
    if (v !== undefined && typeof v !== 'string') throw new Error(`exec plugin: status.${key} must be a string`);
    return v === '' ? undefined : v;
  };
  const token = str('token');
  const clientCertPem = str('clientCertificateData');
  const clientKeyPem = str('clientKeyData');
  const stamp = str('expirationTimestamp');
  if ((clientCertPem === undefined) !== (clientKeyPem === undefined)) {
    throw new Error('exec plugin: status.clientCertificateData and status.clientKeyData must come together');
  }
  if (token === undefined && clientCertPem === undefined) {
    throw new Error('exec plugin: status has neither a token nor a client certificate');
  }
  let expiresAt: number | undefined;
  if (stamp !== undefined) {
    expiresAt = Date.parse(stamp);
    if (Number.isNaN(expiresAt)) throw new Error('exec plugin: status.expirationTimestamp is not an RFC 3339 time');
  }
  return {
    ...(token !== undefined && { token }),
    ...(clientCertPem !== undefined && { clientCertPem, clientKeyPem }),
    ...(expiresAt !== undefined && { expiresAt }),
  };
}

const PLUGIN_TIMEOUT_MS = 60_000;
const MAX_STDERR = 500;

/** Where the plugin runs: the kubeconfig's folder resolves a relative command that names a path. */
export interface ExecPluginContext {
  baseDir: string;
  cluster: { server: string; caPem?: string; insecureSkipTLSVerify: boolean; tlsServerName?: string };
}

/**
 * Runs the plugin when no credential is cached or the cached one has expired, one run at a time however many
 * requests wait; `invalidate` (after a 401) makes the next request run it again.
 */
export class ExecCredentialSource {
  private cached: ExecCredential | undefined;
  private running: Promise<ExecCredential> | undefined;

  constructor(
    private readonly config: ExecPluginConfig,
    private readonly context: ExecPluginContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** The credential to use now, if one is cached and unexpired (requests call `refresh` first). */
  current(): ExecCredential | undefined {
    const c = this.cached;
    return c !== undefined && (c.expiresAt === undefined || c.expiresAt > this.now()) ? c : undefined;
  }

  async refresh(): Promise<ExecCredential> {
    const current = this.current();
    if (current !== undefined) return current;
    this.running ??= this.run().finally(() => (this.running = undefined));
    this.cached = await this.running;
    return this.cached;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private run(): Promise<ExecCredential> {
    const { command, args, env, apiVersion, provideClusterInfo } = this.config;
    const file = !isAbsolute(command) && command.includes('/') ? join(this.context.baseDir, command) : command;
    const { cluster } = this.context;
    const execInfo = {
      apiVersion,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        ...(provideClusterInfo && {
          cluster: {
            server: cluster.server,
            ...(cluster.tlsServerName !== undefined && { 'tls-server-name': cluster.tlsServerName }),
            ...(cluster.caPem !== undefined && {
              'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64'),
            }),
            'insecure-skip-tls-verify': cluster.insecureSkipTLSVerify,
          },
        }),
      },
    };
    const childEnv = {
      ...process.env,
      ...Object.fromEntries(env.map((e) => [e.name, e.value])),
      KUBERNETES_EXEC_INFO: JSON.stringify(execInfo),
    };
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        { env: childEnv, timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            // stderr is the plugin's explanation (expired login, missing profile); stdout may hold a credential.
            const why = stderr.trim().slice(0, MAX_STDERR) || err.message;
            reject(new Error(`exec plugin ${command} failed: ${why}`));
            return;
          }
          try {
            resolve(parseExecCredential(stdout, apiVersion));
          } catch (parseErr) {
            reject(new Error(`${(parseErr as Error).message} (command ${command})`));
          }
        },
      );
    });
  }
}
