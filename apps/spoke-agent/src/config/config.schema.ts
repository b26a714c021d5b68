import { z } from 'zod';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
  .max(63);

/** Seconds, fractions allowed so tests can run the loops fast. */
const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

/** The one configuration schema of the spoke agent, read from the environment at start-up. */
export const spokeConfigSchema = z
  .object({
    /** HTTP port of /healthz. */
    SPOKE_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    /** Address the HTTP server binds to. */
    SPOKE_HOST: z.string().default('0.0.0.0'),
    /**
     * This cluster's name on the hub: the namespace its ManifestWorks live in. Unset, the agent runs no controller
     * and only serves /healthz (the smoke test of the built app starts it that way); it says so at start-up.
     */
    CLUSTER_NAME: dnsLabel.optional(),
    /** Kubeconfig file for the hub cluster, e.g. a mounted Secret (client certificate paths and exec plugin commands relative to it work). */
    HUB_KUBECONFIG: z.string().min(1).optional(),
    /**
     * `<namespace>/<name>` of a Secret on this spoke holding the hub kubeconfig under key `kubeconfig` and any files
     * it names (OCM's `hub-kubeconfig-secret` layout: `tls.crt`, `tls.key`). Read once at start-up and kept in
     * memory, never written to disk.
     */
    HUB_KUBECONFIG_SECRET: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be <namespace>/<name>')
      .optional(),
    /** Kubeconfig for this spoke cluster; unset means in-cluster credentials. */
    SPOKE_KUBECONFIG: z.string().min(1).optional(),
    /** The namespace the agent runs in (downward API). Modules there get the privileged default service accounts. */
    AGENT_NAMESPACE: dnsLabel.default('kmm-spoke-agent'),
    /** OCM agentID written into AppliedManifestWorks; defaults to the hub hash, as OCM does. */
    AGENT_ID: z.string().min(1).max(253).optional(),
    /** Apply the hub's ManifestWorks. Off when a real OCM klusterlet work agent runs on this spoke. */
    WORK_AGENT: z.stringbool().default(true),
    /** Turn Modules into DaemonSets. Off when a real KMM operator runs on this spoke. */
    MODULE_RECONCILER: z.stringbool().default(true),
    /**
     * No klusterlet runs: mirror ClusterClaims into ManagedCluster.status, keep its Joined and Available conditions
     * and renew the cluster lease on the hub.
     */
    STANDALONE: z.stringbool().default(false),
    /** Drift correction: every applied ManifestWork is re-applied this often (plus up to 50% jitter); OCM uses 4 min.
     * */
    WORK_RESYNC_SECONDS: seconds(240),
    /** How often each ManifestWork's status (Available, feedback) is refreshed; OCM uses 10 s. */
    STATUS_SYNC_SECONDS: seconds(10),
    /** Standalone: how often ManagedCluster.status is checked; OCM's cluster health-check period is 1 min. */
    CLUSTER_STATUS_SECONDS: seconds(60),
    /** An AppliedManifestWork whose ManifestWork is gone from the hub is deleted after this long (OCM: 60 min). */
    EVICTION_GRACE_SECONDS: seconds(3600),
    /** Longest back-off between retries of one failing key. */
    MAX_BACKOFF_SECONDS: seconds(30),
    /** ManifestWorks reconciled at once. */
    WORKERS: z.coerce.number().int().min(1).max(100).default(10),
    /** Module-loader service account used for Modules in AGENT_NAMESPACE that set none (as in KMM's namespace). */
    MODULE_LOADER_SERVICE_ACCOUNT: dnsLabel.default('kmm-module-loader'),
    /** Device-plugin service account used for Modules in AGENT_NAMESPACE that set none (as in KMM's namespace). */
    DEVICE_PLUGIN_SERVICE_ACCOUNT: dnsLabel.default('kmm-device-plugin'),
    /** pino log level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .superRefine((c, ctx) => {
    const hubSources = [c.HUB_KUBECONFIG, c.HUB_KUBECONFIG_SECRET].filter((s) => s !== undefined).length;
    if (hubSources > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUB_KUBECONFIG'],
        message: 'set HUB_KUBECONFIG or HUB_KUBECONFIG_SECRET, not both',
      });
    }
    if (c.CLUSTER_NAME === undefined) {
      if (hubSources > 0)
        ctx.addIssue({ code: 'custom', path: ['CLUSTER_NAME'], message: 'required with a hub kubeconfig' });
      return;
    }
    if ((c.WORK_AGENT || c.STANDALONE) && hubSources === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUB_KUBECONFIG'],
        message: 'the work agent and standalone mode need HUB_KUBECONFIG or HUB_KUBECONFIG_SECRET',
      });
    }
  });

export type SpokeConfig = z.infer<typeof spokeConfigSchema>;

/** Parses the environment (or any record); every problem is listed in one error. */
export function parseSpokeConfig(env: Record<string, string | undefined>): SpokeConfig {
  const result = spokeConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid spoke-agent configuration: ${problems}`);
  }
  return result.data;
}
