import { z } from 'zod';
import { IMAGE_JOB_STATES } from '../../images/image-pipeline.js';
import { cursor, limit, objectName, pageOf } from './common.dto.js';

export const buildId = z.string().regex(/^[a-f0-9]{16,128}$/, 'must be a build id (hex)');
export const buildParams = z.object({ id: buildId }).strict();

export const listBuildsQuery = z
  .object({
    state: z.enum(IMAGE_JOB_STATES).optional(),
    module: objectName.optional(),
    kernel: z
      .string()
      .max(253)
      .regex(/^[\w.+~-]+$/, 'must be a kernel version')
      .optional(),
    limit,
    cursor: cursor.optional(),
  })
  .strict();
export type ListBuildsQuery = z.infer<typeof listBuildsQuery>;

export const buildStep = z.object({
  queue: z.enum(['build', 'sign']),
  jobId: z.string(),
  state: z.string().describe('BullMQ state: waiting, delayed, active, completed, failed, …'),
  attempts: z.number().int(),
});

export const buildSummary = z.object({
  id: z.string(),
  module: z.string().describe('the first ManagedClusterModule that asked; identical builds are shared'),
  image: z.string(),
  kernel: z.string(),
  state: z.enum(IMAGE_JOB_STATES),
  attempts: z.number().int(),
  stage: z.string().optional(),
  percent: z.number().optional(),
  lastError: z.string().optional(),
  permanent: z.boolean().optional().describe('failed for good: nothing is retried until an input changes'),
  digest: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  steps: z.array(buildStep),
});

export const buildDetail = buildSummary.extend({
  logs: z.array(z.string()).describe('the most recent log lines, oldest first'),
});

export const buildPage = pageOf(buildSummary);

export type BuildSummary = z.infer<typeof buildSummary>;
export type BuildDetail = z.infer<typeof buildDetail>;
export type BuildStep = z.infer<typeof buildStep>;
