// Pure: the gatherer's settings from its environment (the must-gather image is run without arguments).
import { z } from 'zod';

const gatherSchema = z.object({
  /** Folder written into; `oc adm must-gather` collects /must-gather. */
  MUST_GATHER_DIR: z.string().min(1).default('/must-gather'),
  /** kubeconfig of the hub cluster; unset: the pod's in-cluster credentials (as `oc adm must-gather` runs it). */
  KUBECONFIG: z.string().min(1).optional(),
  HUB_NAMESPACE: z.string().min(1).default('kmm-hub'),
  /** The hub's api Service; default http://kmm-hub-api.<HUB_NAMESPACE>.svc. */
  HUB_URL: z.string().url().optional(),
  /** A viewer's access token for the hub API (the build queue), in a file, e.g. a mounted Secret. */
  HUB_TOKEN_FILE: z.string().min(1).optional(),
  MUST_GATHER_LOG_LINES: z.coerce.number().int().min(1).max(100_000).default(2000),
  MUST_GATHER_MAX_BUILDS: z.coerce.number().int().min(0).max(10_000).default(200),
});

export type GatherConfig = z.infer<typeof gatherSchema> & { HUB_URL: string };

export function parseGatherConfig(env: Record<string, string | undefined>): GatherConfig {
  const parsed = gatherSchema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return { ...parsed, HUB_URL: parsed.HUB_URL ?? `http://kmm-hub-api.${parsed.HUB_NAMESPACE}.svc` };
}
