import { z } from 'zod';

const rolloutClusterState = z.enum(['Updated', 'Pending', 'Progressing', 'Failed']);

export const rolloutView = z.object({
  name: z.string(),
  strategy: z
    .object({
      type: z.enum(['All', 'Progressive', 'ProgressivePerGroup']),
      paused: z.boolean(),
      groupLabel: z.string().optional(),
      maxConcurrency: z.union([z.number().int(), z.string()]).optional(),
      minSuccessTime: z.string().optional(),
      progressDeadline: z.string().optional(),
      maxFailures: z.union([z.number().int(), z.string()]).optional(),
      mandatoryGroups: z.array(z.string()),
    })
    .describe('spec.rollout; type All when the module has none'),
  state: z
    .enum(['Complete', 'Progressing', 'Paused', 'Halted'])
    .nullable()
    .describe('status.rollout.state; null without a progressive rollout or before the hub planned one'),
  wave: z.number().int().describe('the current wave (1 is the first since the content last changed); 0 before any'),
  message: z.string().optional(),
  counts: z.object({
    updated: z.number().int(),
    progressing: z.number().int(),
    pending: z.number().int(),
    failed: z.number().int(),
  }),
  clusters: z
    .array(
      z.object({
        name: z.string(),
        rollout: rolloutClusterState.optional(),
        revision: z.string().optional().describe('spec hash of the ManifestWork the cluster has'),
        wave: z.number().int().optional(),
        since: z.string().optional().describe('when it received the current content (clusters of the current wave)'),
        message: z.string().optional(),
      }),
    )
    .describe('per selected cluster listed in status'),
});

export type RolloutView = z.infer<typeof rolloutView>;
