import { z } from 'zod';

export const HUB_ROLES = ['all', 'controller', 'worker', 'api'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

/** The one configuration schema of the hub: every setting comes from the environment and is checked at start-up. */
export const hubConfigSchema = z.object({
  HUB_ROLE: z.enum(HUB_ROLES).default('all'),
  HUB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HUB_HOST: z.string().default('0.0.0.0'),
  /** Path of a kubeconfig for the hub cluster; unset means in-cluster credentials. */
  HUB_KUBECONFIG: z.string().optional(),
  /** Namespace of the hub's own objects: Lease, build Jobs, imageRepoSecrets. */
  HUB_NAMESPACE: z.string().default('kmm-hub'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;

/** Parses the environment, listing every problem at once rather than failing on the first. */
export function parseHubConfig(env: NodeJS.ProcessEnv): HubConfig {
  const result = hubConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid hub configuration: ${problems}`);
  }
  return result.data;
}
