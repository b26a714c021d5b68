import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterInfo } from './env-state.js';
import { createServingCert, createServiceAccountKeys, type CertificateAuthority } from './pki.js';
import { freePort } from './ports.js';
import type { ProcessGroup, StartedProcess } from './processes.js';
import { waitUntil } from './wait.js';

export interface ApiServerOptions {
  name: string;
  binDir: string;
  workDir: string;
  etcdUrl: string;
  ca: CertificateAuthority;
  /** Extra kube-apiserver flags, e.g. `--watch-cache-sizes=configmaps#0` for a test that needs etcd's 410. */
  extraArgs?: string[];
}

export interface RunningApiServer {
  info: ClusterInfo;
  proc: StartedProcess;
  /** Starts the same server again (same port, certificates, token and etcd prefix) after a stop. */
  restart(): Promise<RunningApiServer>;
}

async function get(server: string, path: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  const agent = new Agent({ ca, keepAlive: false });
  return new Promise((resolve, reject) => {
    const req = request(`${server}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A real kube-apiserver on 127.0.0.1 with TLS, RBAC authorization, token authentication for an admin in
 * system:masters, client-certificate authentication against the environment CA, and service-account token signing. No controller-manager or kubelet runs: Nodes and workloads
 * are API objects only, and namespace deletion and ownerReference garbage collection do not happen.
 */
export async function startApiServer(
  group: ProcessGroup,
  opts: ApiServerOptions,
  fixed?: { port: number; token: string },
): Promise<RunningApiServer> {
  const dir = join(opts.workDir, opts.name);
  mkdirSync(dir, { recursive: true });
  const port = fixed?.port ?? (await freePort());
  const token = fixed?.token ?? randomBytes(24).toString('hex');
  const serving = createServingCert(opts.ca, dir, 'apiserver');
  const sa = createServiceAccountKeys(dir, opts.name);
  const auditPolicy = join(dir, 'audit-policy.yaml');
  const auditLogPath = join(dir, 'audit.log');
  writeFileSync(auditPolicy, AUDIT_POLICY);
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${token},kmm-admin,kmm-admin,"system:masters"\n`);
  const server = `https://127.0.0.1:${port}`;
  const etcdPrefix = `/kmm-hub/${opts.name}`;
  const args = [
    `--etcd-servers=${opts.etcdUrl}`,
    `--etcd-prefix=${etcdPrefix}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${dir}`,
    `--tls-cert-file=${serving.certPath}`,
    `--tls-private-key-file=${serving.keyPath}`,
    `--token-auth-file=${tokenFile}`,
    // Client certificates signed by the environment CA authenticate too (as OCM's hub-kubeconfig-secret does).
    `--client-ca-file=${opts.ca.certPath}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://${opts.name}.kmm-hub.test`,
    `--service-account-key-file=${sa.publicKeyPath}`,
    `--service-account-signing-key-file=${sa.privateKeyPath}`,
    '--api-audiences=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--profiling=false',
    '--enable-priority-and-fairness=false',
    `--audit-policy-file=${auditPolicy}`,
    `--audit-log-path=${auditLogPath}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=200',
    '--v=1',
    ...(opts.extraArgs ?? []),
  ];
  const proc = group.start(`kube-apiserver-${opts.name}`, join(opts.binDir, 'kube-apiserver'), args);
  await waitUntil(
    `kube-apiserver ${opts.name}`,
    async () => (await get(server, '/readyz', token, opts.ca.pem)).status === 200,
    { timeoutMs: 90_000, intervalMs: 250, logPath: proc.logPath, exited: proc.exited },
  );
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfigPath, renderKubeconfig(opts.name, server, opts.ca.pem, token));
  const info: ClusterInfo = {
    name: opts.name,
    server,
    caPem: opts.ca.pem,
    adminToken: token,
    kubeconfigPath,
    etcdPrefix,
    auditLogPath,
  };
  const running: RunningApiServer = {
    info,
    proc,
    restart: () => startApiServer(group, opts, { port, token }),
  };
  return running;
}

/**
 * Writes and watches are audited (metadata only) so tests can assert what a component asked the API server for,
 * e.g. that a steady fleet causes zero writes or that watches request bookmarks. Reads are left out to keep it small.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    resources: [{ group: coordination.k8s.io, resources: [leases] }]
    users: [system:apiserver]
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection, watch, get, list]
  - level: None
`;

export function renderKubeconfig(name: string, server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    'current-context': name,
  });
}
