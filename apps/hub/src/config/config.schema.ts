import { z } from 'zod';

export const HUB_ROLES = ['all', 'controller', 'worker', 'api'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

/** The one configuration schema of the hub: every setting comes from the environment and is checked at start-up. */
export const hubConfigSchema = z.object({
  /** What this process does: `all`, `controller` (the leader-elected reconciler), `worker` (build and sign jobs) or `api` (REST API and web page). */
  HUB_ROLE: z.enum(HUB_ROLES).default('all'),
  /** HTTP port of /healthz, /readyz, /metrics, the API and the web page. */
  HUB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address the HTTP server binds to. */
  HUB_HOST: z.string().default('0.0.0.0'),
  /** Path of a kubeconfig for the hub cluster (token, tokenFile, client certificate or exec credential plugin); unset means in-cluster credentials. */
  HUB_KUBECONFIG: z.string().optional(),
  /** Namespace of the hub's own objects: Lease, build Jobs, imageRepoSecrets. */
  HUB_NAMESPACE: z.string().default('kmm-hub'),
  /** Redis of the build and sign queues (jobs only; losing it loses no state). */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),

  // Controller (apps/hub/src/controller).
  /** How long a registry answer "this tag has that digest" is trusted; a build or sign push forgets it at once. */
  IMAGE_CHECK_TTL_S: z.coerce.number().int().min(1).default(60),
  /**
   * Limit of one registry exchange of an image check (HEAD, token, GET). Checks run in the background, so a registry
   * that never answers holds no reconcile worker; its kernels show `Checking` until the check fails after this long.
   */
  IMAGE_CHECK_TIMEOUT_S: z.coerce.number().int().min(1).max(600).default(30),
  /** Image checks running at the same time against one registry; the others wait their turn (other registries do not). */
  IMAGE_CHECK_CONCURRENCY_PER_REGISTRY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * After a failed image check (timeout, 5xx, 401/403) the same check waits this long, doubled after each further
   * failure in a row, before the registry is asked again; status says when.
   */
  IMAGE_CHECK_BACKOFF_S: z.coerce.number().int().min(1).default(15),
  /** Cap of the wait between failed image checks. */
  IMAGE_CHECK_BACKOFF_MAX_S: z.coerce.number().int().min(1).default(600),
  /** How often a cluster with a missing, failed or building image is planned again (a settled job wakes it too). */
  RECHECK_INTERVAL_S: z.coerce.number().int().min(1).default(30),
  /**
   * How often a cluster whose images are all settled is planned anyway, up to 10% later so a fleet's resyncs
   * spread out. Only a safety net: every input change wakes the clusters it touches, and a moved tag is found by
   * the image re-checks (one per image per IMAGE_CHECK_TTL_S). controller-runtime's default SyncPeriod is 10 h.
   */
  RESYNC_INTERVAL_S: z.coerce.number().int().min(1).default(3600),
  /**
   * Shortest time between two status writes of one ManagedClusterModule (changes in between are coalesced); an MCM
   * selecting many clusters waits at least half a millisecond per cluster (5 s at 10,000).
   */
  STATUS_WRITE_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  /**
   * Room for status.clusters in one ManagedClusterModule, in bytes of JSON; clusters beyond it (Ready ones first)
   * are counted in status.clustersOmitted instead, so a very large fleet never pushes the object past etcd's limit.
   */
  STATUS_MAX_CLUSTER_BYTES: z.coerce.number().int().min(1_000).max(1_200_000).default(600_000),
  /** (MCM, cluster) pairs planned at the same time. */
  RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Lease of the controller role: one leader plans and writes; the others wait. */
  LEASE_NAME: z.string().default('kmm-hub-controller'),
  /** Lease duration: a standby takes over within this long after the leader stops renewing. */
  LEASE_DURATION_S: z.coerce.number().int().min(2).default(15),
  /** Identity in the Lease; defaults to hostname_pid. */
  POD_NAME: z.string().optional(),

  // Image pipeline (apps/hub/src/images): BullMQ queues `build` and `sign`.
  /** Prefix of every BullMQ key in Redis; hubs sharing a Redis need distinct prefixes. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('kmm-hub'),
  /** Jobs one worker process runs at the same time, per queue. */
  BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Sign jobs one worker process runs at the same time. */
  SIGN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Attempts per job, and the exponential backoff between them: base·2^(n−1), at most the cap. */
  IMAGE_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** Base of the exponential backoff between attempts. */
  IMAGE_JOB_BACKOFF_MS: z.coerce.number().int().min(0).default(10_000),
  /** Cap of the backoff between attempts. */
  IMAGE_JOB_BACKOFF_MAX_MS: z.coerce.number().int().min(0).default(600_000),
  /** A job whose worker stops renewing its lock for this long is handed to another worker. */
  IMAGE_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** A job that failed after all attempts (not a permanent failure) is queued again when asked for after this. */
  IMAGE_JOB_RETRY_FAILED_AFTER_S: z.coerce.number().int().min(0).default(900),
  /** Log lines kept per job in Redis. */
  IMAGE_JOB_LOG_LINES: z.coerce.number().int().min(10).max(10_000).default(200),
  /** How long finished jobs stay in Redis (they make repeated requests no-ops). */
  IMAGE_JOB_KEEP_COMPLETED_S: z.coerce.number().int().min(0).default(86_400),
  /** How long failed jobs stay in Redis (their logs are shown by the API). */
  IMAGE_JOB_KEEP_FAILED_S: z.coerce.number().int().min(0).default(604_800),
  /** Platform of the images read for signing, when a reference names a manifest list. */
  IMAGE_PLATFORM: z.string().default('linux/amd64'),
  /** Where builds run: Kubernetes Jobs in HUB_NAMESPACE (kaniko-compatible image), or buildah on the worker. */
  BUILD_EXECUTOR: z.enum(['kubernetes', 'buildah']).default('kubernetes'),
  /** A build running longer than this fails. */
  BUILD_TIMEOUT_S: z.coerce.number().int().min(1).default(3600),
  /** Kaniko-compatible builder image of build Jobs; `build.kanikoParams.tag` replaces its tag. */
  BUILD_KANIKO_IMAGE: z.string().default('gcr.io/kaniko-project/executor:latest'),
  /** How often a worker reads the status of its build Job. */
  BUILD_JOB_POLL_MS: z.coerce.number().int().min(50).default(5000),
  /** Driver toolkit image per kernel (JSON object kernel → image); a build for a listed kernel gets DTK_AUTO. */
  BUILD_TOOLKIT_IMAGES: z.preprocess(
    (v) => (typeof v === 'string' ? parseJsonOrKeep(v) : v),
    z.record(z.string(), z.string()).default({}),
  ),
  /** The buildah binary of the `buildah` executor. */
  BUILDAH_PATH: z.string().default('buildah'),
  /** buildah storage: driver (vfs, overlay), graph root and run root; unset keeps buildah's own defaults. */
  BUILDAH_STORAGE_DRIVER: z.enum(['vfs', 'overlay']).optional(),
  /** buildah graph root (storage of images and layers). */
  BUILDAH_ROOT: z.string().optional(),
  /** buildah run root (runtime state). */
  BUILDAH_RUNROOT: z.string().optional(),
  /**
   * Folder of the buildah executor's private build folders (the Dockerfile, build secrets and registry auth of each
   * build); unset: /dev/shm when it exists (tmpfs, so they never reach a disk), else the temp folder. Folders left
   * by a worker that died are removed when a worker starts.
   */
  BUILDAH_WORK_DIR: z.string().optional(),
  /** buildah isolation: chroot (works without user namespaces), oci or rootless. */
  BUILDAH_ISOLATION: z.enum(['chroot', 'oci', 'rootless']).default('chroot'),
  /** Hash of module signatures (sign-file's first argument). */
  SIGN_HASH: z.enum(['sha256', 'sha384', 'sha512']).default('sha256'),

  // REST API, web page, health and metrics (apps/hub/src/api, web, health).
  /** `oidc`: every API call needs an access token of OIDC_ISSUER_URL. `disabled`: no authentication (dev only). */
  AUTH_MODE: z.enum(['oidc', 'disabled']).default('oidc'),
  /** Issuer URL; its discovery document gives the JWKS, token, authorization and introspection endpoints. */
  OIDC_ISSUER_URL: z.string().url().optional(),
  /** Expected `aud` of access tokens. */
  OIDC_AUDIENCE: z.string().min(1).optional(),
  /** The hub's client at the issuer: web sign-in (authorization code + PKCE) and introspection of opaque tokens. */
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Client secret of OIDC_CLIENT_ID (web sign-in and token introspection). */
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Scopes asked for at web sign-in. */
  OIDC_SCOPES: z.string().default('openid'),
  /** Claim holding the caller's groups; a dotted path reaches into objects (`realm_access.roles`). */
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  /** Comma-separated groups granted the roles; admin implies viewer. */
  OIDC_ADMIN_GROUPS: commaList().default(['kmm-hub-admins']),
  /** Groups (comma-separated) that may read the API and the page. */
  OIDC_VIEWER_GROUPS: commaList().default(['kmm-hub-viewers']),
  /** JWS algorithms accepted; default: the asymmetric ones the issuer's discovery document lists. */
  OIDC_ALGORITHMS: commaList().optional(),
  /** Check tokens that are not JWTs with the issuer's introspection endpoint (needs the client credentials). */
  OIDC_INTROSPECTION: booleanFlag().default(false),
  /** Allow an http:// issuer (loopback tests only). */
  OIDC_ALLOW_HTTP: booleanFlag().default(false),
  /** Clock skew accepted when checking exp and nbf. */
  OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /** Least time between two JWKS downloads triggered by an unknown `kid` (key rotation at the issuer). */
  OIDC_JWKS_COOLDOWN_S: z.coerce.number().min(0).default(30),
  /** Key material (≥ 32 characters) for the web session cookie; hubs behind one address share it. */
  OIDC_SESSION_SECRET: z.string().min(32).optional(),
  /** External URL of the hub (for the sign-in redirect); default: the address the request came to. */
  HUB_PUBLIC_URL: z.string().url().optional(),
  /** Who may read /metrics: anyone, or an authenticated viewer. */
  METRICS_AUTH: z.enum(['none', 'viewer']).default('none'),
  /** Log lines of a build returned by the API. */
  API_BUILD_LOG_LINES: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Interval of the keep-alive event on the server-sent-events stream. */
  API_EVENTS_HEARTBEAT_S: z.coerce.number().min(1).default(15),

  // Validating admission webhook for ManagedClusterModules (apps/hub/src/admission), roles `all` and `api`.
  /** PEM serving certificate of the webhook; the webhook is served when this file and ADMISSION_TLS_KEY_FILE exist at start-up. */
  ADMISSION_TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of ADMISSION_TLS_CERT_FILE. */
  ADMISSION_TLS_KEY_FILE: z.string().min(1).optional(),
  /** HTTPS port of the webhook (its own listener: the API server calls it, never a browser). */
  ADMISSION_PORT: z.coerce.number().int().min(0).max(65535).default(9443),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;

function commaList() {
  return z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : v,
    z.array(z.string()),
  );
}

function booleanFlag() {
  return z
    .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['true', 'false', '1', '0']))
    .transform((v) => v === 'true' || v === '1');
}

function parseJsonOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Parses the environment, listing every problem at once rather than failing on the first. */
export function parseHubConfig(env: NodeJS.ProcessEnv): HubConfig {
  const result = hubConfigSchema
    .refine((c) => (c.ADMISSION_TLS_CERT_FILE === undefined) === (c.ADMISSION_TLS_KEY_FILE === undefined), {
      path: ['ADMISSION_TLS_KEY_FILE'],
      message: 'ADMISSION_TLS_CERT_FILE and ADMISSION_TLS_KEY_FILE go together',
    })
    .safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid hub configuration: ${problems}`);
  }
  return result.data;
}
