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
  /** JSON lines of audit events for reads, writes and watches (metadata level; leases of the API server itself left out). */
  auditLogPath: string;
}

export interface RegistryInfo {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, as it appears in image references. */
  host: string;
  /** The registry's log (text; one `error authenticating user` line per request with a wrong password). */
  logPath?: string;
  /** Set when the registry requires htpasswd basic auth. */
  username?: string;
  password?: string;
}

/** A client_credentials client of the test issuer; its access tokens carry `groups`. */
export interface OidcMachineClient {
  clientId: string;
  clientSecret: string;
  groups: string[];
}

/** The test OpenID Connect issuer (oidc-provider on loopback). */
export interface OidcIssuerInfo {
  /** http://127.0.0.1:<port>; discovery at /.well-known/openid-configuration. */
  issuer: string;
  /** `aud` of every access token (the resource indicator of the hub API). */
  audience: string;
  /** The hub's own confidential client: authorization code + PKCE for the web page, and token introspection. */
  clientId: string;
  clientSecret: string;
  /** Redirect path registered for the hub client on http://127.0.0.1 (any port: a native loopback client). */
  redirectPath: string;
  groupsClaim: string;
  groups: { admin: string; viewer: string };
  /** client_credentials clients: admin and viewer groups, a group the hub does not know, opaque tokens. */
  machineClients: Record<'admin' | 'viewer' | 'outsider' | 'opaque', OidcMachineClient>;
  /** Accounts of the authorization-code flow; `login_hint` picks one, else `defaultUser` signs in, with no form. */
  users: Record<string, { groups: string[] }>;
  defaultUser: string;
  /** Test-only: POST {claims, header} signs a token with the issuer's current key. */
  mintUrl: string;
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
  oidc: OidcIssuerInfo;
}
