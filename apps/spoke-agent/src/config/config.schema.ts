import { z } from 'zod';

/** The one configuration schema of the spoke agent, read from the environment at start-up. */
export const spokeConfigSchema = z.object({
  SPOKE_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  SPOKE_HOST: z.string().default('0.0.0.0'),
  /** This cluster's name on the hub: the namespace its ManifestWorks live in. */
  CLUSTER_NAME: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
    .max(63)
    .optional(),
  /** Kubeconfig for the hub cluster. */
  HUB_KUBECONFIG: z.string().optional(),
  /** Kubeconfig for this spoke cluster; unset means in-cluster credentials. */
  SPOKE_KUBECONFIG: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type SpokeConfig = z.infer<typeof spokeConfigSchema>;

export function parseSpokeConfig(env: NodeJS.ProcessEnv): SpokeConfig {
  const result = spokeConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid spoke-agent configuration: ${problems}`);
  }
  return result.data;
}
