import { CLUSTER_DELIVERY_STATES, KERNEL_IMAGE_STATES } from '@kmm-hub/api';
import { z } from 'zod';
import { cursor, limit, objectName, pageOf } from './common.dto.js';

/** The states of the CRD's status (libs/api), so the API cannot drift from what the controller writes. */
export const CLUSTER_DELIVERY_STATE_VALUES = Object.values(CLUSTER_DELIVERY_STATES);
export const KERNEL_IMAGE_STATE_VALUES = Object.values(KERNEL_IMAGE_STATES);
/** A module as a whole: spec invalid, nothing selected, or the worst of its clusters. */
export const MODULE_STATE_VALUES = ['Invalid', 'Idle', 'Pending', 'Progressing', 'Degraded', 'Ready'] as const;
export const AVAILABILITY_VALUES = ['True', 'False', 'Unknown'] as const;

const condition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
});

export const kernelImage = z.object({
  kernel: z.string(),
  image: z.string().optional(),
  digest: z.string().optional(),
  state: z.enum(KERNEL_IMAGE_STATE_VALUES),
  lastError: z.string().optional(),
  attempts: z.number().int().optional(),
  message: z.string().optional().describe("how a Ready image came to be when it is not simply the hub's build"),
});

export const manifestWorkState = z
  .object({
    applied: z.boolean(),
    available: z.boolean(),
    degraded: z.boolean(),
    stale: z.boolean().describe('the work agent has not reported on the current generation yet'),
    problems: z.array(z.string()),
  })
  .describe('what the work agent reported about the ManifestWork');

export const loaderCounts = z
  .object({
    desired: z.number().int().optional(),
    available: z.number().int().optional(),
    nodesMatching: z.number().int().optional(),
  })
  .describe('module-loader DaemonSet counters fed back from the spoke (absent until reported)');

export const moduleOnCluster = z.object({
  cluster: z.string(),
  state: z.enum(CLUSTER_DELIVERY_STATE_VALUES),
  reason: z.string().optional(),
  message: z.string().optional(),
  manifestWork: manifestWorkState.nullable(),
  loader: loaderCounts,
  devicePlugin: loaderCounts.describe(
    'device-plugin DaemonSet counters fed back from the spoke (absent until reported)',
  ),
  kernels: z.array(kernelImage),
});

export const moduleSummary = z.object({
  name: z.string(),
  spokeNamespace: z.string(),
  state: z.enum(MODULE_STATE_VALUES),
  clusters: z.object({
    selected: z.number().int(),
    ready: z.number().int(),
    degraded: z.number().int(),
  }),
});

export const moduleDetail = moduleSummary.extend({
  conditions: z.array(condition),
  selectionError: z.string().optional(),
  placement: z.array(moduleOnCluster),
});

export const clusterKernel = z.object({
  kernel: z.string(),
  nodes: z.number().int().optional().describe('nodes running it, when the cluster reports counts'),
});

export const moduleStateOnCluster = z.object({
  module: z.string(),
  state: z.enum(CLUSTER_DELIVERY_STATE_VALUES),
});

export const clusterSummary = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  available: z.enum(AVAILABILITY_VALUES),
  kernelsReported: z.boolean().describe('false when the cluster has no kernel-versions claim'),
  kernels: z.array(clusterKernel),
  modules: z.array(moduleStateOnCluster),
});

export const clusterDetail = clusterSummary.extend({
  conditions: z.array(condition.partial({ lastTransitionTime: true })),
  placements: z.array(moduleOnCluster.omit({ cluster: true }).extend({ module: z.string() })),
});

const counts = z.record(z.string(), z.number().int());

export const buildTotals = z
  .object({ build: counts, sign: counts })
  .describe('jobs per queue by state (queued, active, succeeded, failed)');

/** What the fleet page's summary shows of a module, and `GET /api/v1/fleet` lists. */
export const moduleOverview = z.object({
  name: z.string(),
  state: z.enum(MODULE_STATE_VALUES),
  clusters: z
    .object({ selected: z.number().int(), byState: counts })
    .describe('selected clusters by delivery state (Pending, NoKernels, Progressing, Ready, Degraded)'),
  kernels: z.object({ total: z.number().int() }).describe('distinct kernels of the selected clusters it targets'),
  images: z.object({ total: z.number().int(), byState: counts }).describe('distinct (image, kernel) pairs'),
});

export const fleet = z.object({
  totals: z.object({
    clusters: z.object({ total: z.number().int(), byAvailability: counts }),
    modules: z.object({ total: z.number().int(), byState: counts }),
    kernels: z.object({ total: z.number().int() }),
    images: z.object({ total: z.number().int(), byState: counts }),
    builds: buildTotals.nullable().describe('null when Redis did not answer in time'),
  }),
  modules: z
    .array(moduleOverview)
    .describe(
      "every module, by name; the clusters themselves are listed page by page by GET /api/v1/clusters, which carries each one's state per module",
    ),
});

/** The cell of one (module, selected cluster): what the event stream reports as changed. */
export const matrixCell = z.object({
  module: z.string(),
  cluster: z.string(),
  state: z.enum(CLUSTER_DELIVERY_STATE_VALUES),
});

export const modulePage = pageOf(moduleSummary);
export const clusterPage = pageOf(clusterSummary).extend({
  total: z.number().int().describe('clusters matching the query, on every page'),
});

export type KernelImageView = z.infer<typeof kernelImage>;
export type ModuleOnCluster = z.infer<typeof moduleOnCluster>;
export type ModuleSummary = z.infer<typeof moduleSummary>;
export type ModuleDetail = z.infer<typeof moduleDetail>;
export type ClusterSummary = z.infer<typeof clusterSummary>;
export type ClusterDetail = z.infer<typeof clusterDetail>;
export type FleetView = z.infer<typeof fleet>;
export type BuildTotals = z.infer<typeof buildTotals>;
export type ModuleState = (typeof MODULE_STATE_VALUES)[number];
export type MatrixCell = z.infer<typeof matrixCell>;
export type ModuleOverview = z.infer<typeof moduleOverview>;

/** `state` of GET /api/v1/clusters: a delivery state, or any state but Ready on a cluster that is not Available. */
export const CLUSTER_STATE_FILTER_VALUES = [...CLUSTER_DELIVERY_STATE_VALUES, 'NeedsAttention'] as const;
export const CLUSTER_ORDER_VALUES = ['name', 'attention'] as const;

export const listClustersQuery = z
  .object({
    limit,
    cursor: cursor.optional(),
    q: z
      .string()
      .max(256)
      .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
      .optional()
      .describe(
        'words, all of which must match: `key=value` matches that label exactly; any other word matches part of the name or of a `key=value` label (case-insensitive)',
      ),
    state: z
      .enum(CLUSTER_STATE_FILTER_VALUES)
      .optional()
      .describe(
        'clusters where `module` (or, without `module`, any module) is in this state; NeedsAttention: not Ready, or (without `module`) the cluster is not Available',
      ),
    module: objectName.optional().describe('only clusters this module selects'),
    order: z
      .enum(CLUSTER_ORDER_VALUES)
      .default('name')
      .describe(
        'name, or attention: Degraded first, then unavailable clusters, then those still Pending or Progressing, then the rest (by name within each); a cursor works only with the order it came from',
      ),
  })
  .strict();
export type ListClustersQuery = z.infer<typeof listClustersQuery>;
export type ClusterStateFilter = (typeof CLUSTER_STATE_FILTER_VALUES)[number];
export type ClusterOrder = (typeof CLUSTER_ORDER_VALUES)[number];
