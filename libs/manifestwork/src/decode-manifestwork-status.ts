import { RESOURCES, type FeedbackValue, type ManifestCondition, type ManifestWork } from '@kmm-hub/api';
import {
  MODULE_COUNTERS,
  MODULE_WORKLOADS,
  type ModuleCounter,
  type ModuleWorkload,
} from './module-status-feedback.js';

/** DaemonSet counters of one Module workload, from status feedback. */
export interface WorkloadCounts {
  /** `desiredNumber`: pods that should run. */
  readonly desired?: number;
  /** `availableNumber`: pods running and available. */
  readonly available?: number;
  /** `nodesMatchingSelectorNumber`: nodes the selector matches. */
  readonly nodesMatching?: number;
}

export interface ManifestWorkStatusSummary {
  /** Work condition `Applied` is True for the current generation (every manifest applied). */
  readonly applied: boolean;
  /** Work condition `Available` is True for the current generation (the Module exists on the spoke). */
  readonly available: boolean;
  /**
   * Work condition `Degraded` is True. The stock OCM agent sets it only through condition rules, which we do not
   * send, so it stays false unless another agent reports it (open-cluster-management-io/ocm
   * pkg/work/spoke/conditions/rules/rule.go).
   */
  readonly degraded: boolean;
  /** A work condition describes an older generation than `metadata.generation`: the agent has not caught up. */
  readonly stale: boolean;
  /**
   * Applied and Available as the agent reported them for the current generation: `true` or `false`, and
   * `undefined` while it has not said (no such condition, status `Unknown`, or an older generation). `applied` and
   * `available` above fold "not said" into false; status that must not claim more than it knows reads these.
   */
  readonly reported: { readonly applied?: boolean; readonly available?: boolean };
  /**
   * The agent has reported feedback for the Module. Then an absent counter is 0 (the Module status fields are
   * `omitempty` upstream); before that every counter is `undefined`.
   */
  readonly feedbackSynced: boolean;
  readonly feedback: Readonly<Record<ModuleWorkload, WorkloadCounts>>;
  /** Human-readable failures: conditions that are not True, and feedback values we could not read. */
  readonly problems: readonly string[];
}

const COUNT_FIELD: Readonly<Record<ModuleCounter, keyof WorkloadCounts>> = {
  availableNumber: 'available',
  desiredNumber: 'desired',
  nodesMatchingSelectorNumber: 'nodesMatching',
};

type Condition = ManifestCondition['conditions'][number];

/**
 * Reads what the work agent reported about a ManifestWork we rendered. The Module's entry in
 * `status.resourceStatus.manifests` is found by group `kmm.sigs.x-k8s.io`, kind `Module` (or resource `modules`),
 * and the name and namespace of the Module in `spec` (the ordinal is ignored, as OCM's own merge may do).
 * Feedback values are read with OCM's value types: `Integer` (`integer`), `String` (`string`, decimal digits),
 * `JsonRaw` (`jsonRaw`, a JSON integer); `Boolean`, non-integers, negatives and a type whose field is missing are
 * reported in `problems` and leave the counter unset.
 */
export function decodeManifestWorkStatus(
  manifestWork: Pick<ManifestWork, 'metadata' | 'spec' | 'status'>,
): ManifestWorkStatusSummary {
  const generation = manifestWork.metadata.generation;
  const conditions = manifestWork.status?.conditions ?? [];
  const problems: string[] = [];
  let stale = false;
  const reported: { applied?: boolean; available?: boolean } = {};

  /**
   * True or False as the agent reports the condition for the current generation, undefined when it has not said;
   * reports it in `problems` when its status is the bad one.
   */
  const readCondition = (type: string, bad: (status: Condition['status']) => boolean): boolean | undefined => {
    const condition = conditions.find((c) => c.type === type);
    if (condition === undefined) return undefined;
    const isStale =
      generation !== undefined &&
      condition.observedGeneration !== undefined &&
      condition.observedGeneration !== generation;
    stale ||= isStale;
    if (bad(condition.status)) problems.push(describe(condition, 'ManifestWork'));
    if (isStale || condition.status === 'Unknown') return undefined;
    return condition.status === 'True';
  };
  const appliedReport = readCondition('Applied', (status) => status !== 'True');
  const availableReport = readCondition('Available', (status) => status !== 'True');
  const degraded = readCondition('Degraded', (status) => status === 'True') === true;
  if (appliedReport !== undefined) reported.applied = appliedReport;
  if (availableReport !== undefined) reported.available = availableReport;

  const manifest = findModuleManifest(manifestWork);
  for (const condition of manifest?.conditions ?? []) {
    if (condition.status === 'False') problems.push(describe(condition, 'Module'));
  }
  const values = manifest?.statusFeedback?.values ?? [];
  const feedbackSynced =
    values.length > 0 ||
    (manifest?.conditions ?? []).some((c) => c.type === 'StatusFeedbackSynced' && c.status === 'True');

  const feedback = {} as Record<ModuleWorkload, WorkloadCounts>;
  for (const workload of MODULE_WORKLOADS) {
    const counts: Partial<Record<keyof WorkloadCounts, number>> = {};
    for (const counter of MODULE_COUNTERS) {
      const name = `${workload}.${counter}`;
      const value = values.find((v) => v.name === name);
      if (value === undefined) {
        if (feedbackSynced) counts[COUNT_FIELD[counter]] = 0;
        continue;
      }
      const decoded = decodeCount(value);
      if (decoded.ok) counts[COUNT_FIELD[counter]] = decoded.count;
      else problems.push(`feedback ${name}: ${decoded.reason}`);
    }
    feedback[workload] = counts;
  }

  return {
    applied: appliedReport === true,
    available: availableReport === true,
    degraded,
    stale,
    reported,
    feedbackSynced,
    feedback,
    problems: [...new Set(problems)],
  };
}

function describe(condition: Condition, subject: string): string {
  const message = condition.message === '' ? '' : `: ${condition.message}`;
  return `${subject} ${condition.type}=${condition.status} (${condition.reason})${message}`;
}

function findModuleManifest(manifestWork: Pick<ManifestWork, 'spec' | 'status'>): ManifestCondition | undefined {
  const module = manifestWork.spec?.workload?.manifests?.find(
    (m) => m.kind === RESOURCES.Module.kind && m.apiVersion.startsWith(`${RESOURCES.Module.group}/`),
  );
  const name = module?.metadata?.['name'];
  const namespace = module?.metadata?.['namespace'];
  return manifestWork.status?.resourceStatus?.manifests?.find((m) => {
    const meta = m.resourceMeta;
    if (meta.group !== RESOURCES.Module.group) return false;
    if (meta.kind !== RESOURCES.Module.kind && meta.resource !== RESOURCES.Module.plural) return false;
    if (typeof name === 'string' && meta.name !== name) return false;
    return typeof namespace !== 'string' || meta.namespace === namespace;
  });
}

type DecodedCount = { ok: true; count: number } | { ok: false; reason: string };

function decodeCount(value: FeedbackValue): DecodedCount {
  const field = value.fieldValue;
  switch (field.type) {
    case 'Integer':
      return field.integer === undefined ? missing(field.type, 'integer') : checkCount(field.integer);
    case 'String':
      if (field.string === undefined) return missing(field.type, 'string');
      return /^\d+$/.test(field.string)
        ? checkCount(Number(field.string))
        : { ok: false, reason: `String value ${JSON.stringify(field.string)} is not a count` };
    case 'JsonRaw': {
      if (field.jsonRaw === undefined) return missing(field.type, 'jsonRaw');
      let parsed: unknown;
      try {
        parsed = JSON.parse(field.jsonRaw);
      } catch {
        return { ok: false, reason: `JsonRaw value ${JSON.stringify(field.jsonRaw)} is not JSON` };
      }
      return typeof parsed === 'number'
        ? checkCount(parsed)
        : { ok: false, reason: `JsonRaw value ${JSON.stringify(field.jsonRaw)} is not a count` };
    }
    case 'Boolean':
      return { ok: false, reason: 'Boolean value is not a count' };
    default:
      return { ok: false, reason: `unknown value type ${JSON.stringify(field.type)}` };
  }
}

function checkCount(count: number): DecodedCount {
  return Number.isSafeInteger(count) && count >= 0
    ? { ok: true, count }
    : { ok: false, reason: `${count} is not a non-negative integer` };
}

function missing(type: string, field: string): DecodedCount {
  return { ok: false, reason: `type ${type} without the ${field} field` };
}
