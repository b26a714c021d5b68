// The shape every test suite and the CLI see of a running test environment. Plain data only: it crosses from
// vitest's globalSetup into test workers through `provide`/`inject`, and into other processes as JSON.

export interface ClusterInfo {
  /** "hub", "spoke-1", "spoke-2", … */
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  /** Bearer token of a member of system:masters. */
  adminToken: string;
  /** Admin kubeconfig written to disk (YAML). */
  kubeconfigPath: string;
  /** etcd prefix the API server stores under. */
  etcdPrefix: string;
  /** JSON lines of audit events for writes and watches (metadata level). */
  auditLogPath: string;
}

export interface RegistryInfo {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, as it appears in image references. */
  host: string;
  /** Set when the registry requires htpasswd basic auth. */
  username?: string;
  password?: string;
}

export interface EnvState {
  workDir: string;
  /** Folder with the environment's CA (ca.crt, ca.key), for tests that start servers of their own. */
  pkiDir: string;
  /** Folder with the kube-apiserver and etcd binaries. */
  binDir: string;
  etcdUrl: string;
  hub: ClusterInfo;
  spokes: ClusterInfo[];
  redis: { url: string; host: string; port: number };
  /** Anonymous registry. */
  registry: RegistryInfo;
  /** Registry with htpasswd basic auth (username/password set). */
  authRegistry: RegistryInfo;
}
