// Decides which selected clusters get a ManagedClusterModule's newly rendered ManifestWork now and which keep the
// one they have, from spec.rollout (shaped like Open Cluster Management's RolloutStrategy,
// open-cluster-management-io/api cluster/v1alpha1/types_rolloutstrategy.go). Unlike OCM's Progressive, which starts a
// cluster whenever one of the running ones succeeds, a wave here starts only when every cluster of the previous wave
// succeeded or failed within maxFailures, so "the current wave" is one set of clusters an operator can watch.
//
// Pure: the caller passes the clusters with their ManifestWork revisions (spec hashes) and what the work agent reports,
// the previous status.rollout (it remembers when each cluster of the current wave received the content) and `now`.
import {
  parseCountOrPercent,
  parseRolloutDuration,
  resolveCountOrPercent,
  type RolloutClusterStatus,
  type RolloutConfig,
  type RolloutStatus,
  type RolloutStrategy,
  type ManifestWork,
} from '@kmm-hub/api';
import { decodeManifestWorkStatus } from '@kmm-hub/manifestwork';

/** What the work agent reports for the ManifestWork the hub keeps for a cluster, for its current generation only. */
export type RolloutWorkState =
  /** Available is True; `since` is the condition's lastTransitionTime. */
  | { state: 'Available'; since: string }
  /** Applied is False or Degraded is True; `message` says why. */
  | { state: 'Failed'; message: string }
  /** Nothing reported for this generation yet, or Available is False. */
  | { state: 'NotReported' };

/** What the work agent reports for this ManifestWork's current generation, as the rollout counts it. */
export function rolloutWorkStateOf(manifestWork: ManifestWork): RolloutWorkState {
  const summary = decodeManifestWorkStatus(manifestWork);
  const applied = manifestWork.status?.conditions?.find((c) => c.type === 'Applied');
  const appliedFalse =
    applied?.status === 'False' &&
    (applied.observedGeneration === undefined || applied.observedGeneration === manifestWork.metadata.generation);
  if (appliedFalse || summary.degraded) {
    return { state: 'Failed', message: summary.problems.join('; ') || 'the work agent reports a failure' };
  }
  if (!summary.available) return { state: 'NotReported' };
  const available = manifestWork.status?.conditions?.find((c) => c.type === 'Available');
  return { state: 'Available', since: available?.lastTransitionTime ?? '1970-01-01T00:00:00Z' };
}

export interface RolloutClusterInput {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Spec hash of the ManifestWork the hub keeps for the cluster; undefined when it has none yet. */
  currentRevision?: string;
  /** Spec hash of the ManifestWork rendered from the current spec and images. */
  desiredRevision: string;
  work: RolloutWorkState;
}

export interface RolloutInput {
  rollout?: RolloutStrategy;
  clusters: readonly RolloutClusterInput[];
  previous?: RolloutStatus;
  /** RFC 3339 time of this reconcile. */
  now: string;
}

/**
 * Where a cluster stands. Updated: it has (or gets now, having no ManifestWork) the desired content. Pending: it keeps
 * its current content. Progressing: it received the desired content in a wave and has not succeeded yet. Failed: it
 * received it and failed or passed progressDeadline.
 */
export type ClusterRolloutState = 'Updated' | 'Pending' | 'Progressing' | 'Failed';

export interface ClusterRolloutPlan {
  name: string;
  state: ClusterRolloutState;
  /** The revision the cluster's ManifestWork carries after this plan is applied. */
  revision: string;
}

export interface RolloutPlan {
  /** One entry per input cluster, in input order. */
  clusters: ClusterRolloutPlan[];
  /** Names of the clusters that keep their current ManifestWork (their `revision` is the current one). */
  keep: ReadonlySet<string>;
  /** Clusters of the current wave whose ManifestWork does not carry the desired revision yet: to be written now. */
  released: string[];
  /** status.rollout to write; undefined when there is no progressive rollout (no spec.rollout or type All). */
  status?: RolloutStatus;
  /** Set when more clusters failed than allowed: nothing advances until they recover or the content changes. */
  halted?: { clusters: string[]; message: string };
  /** When the next minSuccessTime or progressDeadline boundary passes, in milliseconds from `now`. */
  requeueAfterMs?: number;
}

interface Tracked {
  input: RolloutClusterInput;
  record: RolloutClusterStatus;
}

const NO_GROUP = '';

export function planRollout(input: RolloutInput): RolloutPlan {
  const type = input.rollout?.type ?? 'All';
  if (!input.rollout || type === 'All') return planAllAtOnce(input.clusters);
  const rollout = input.rollout;
  const config: RolloutConfig = (type === 'Progressive' ? rollout.progressive : rollout.progressivePerGroup) ?? {};
  const now = Date.parse(input.now);
  const minSuccessMs = parseRolloutDuration(config.minSuccessTime ?? '0') ?? 0;
  const deadlineMs =
    config.progressDeadline === undefined || config.progressDeadline === 'None'
      ? undefined
      : parseRolloutDuration(config.progressDeadline);
  const previousRecords = new Map((input.previous?.clusters ?? []).map((c) => [c.name, c]));
  const groupOf = (c: RolloutClusterInput) =>
    rollout.groupLabel ? (c.labels[rollout.groupLabel] ?? NO_GROUP) : NO_GROUP;
  const mandatory = (config.mandatoryDecisionGroups ?? []).map((g) => g.groupName ?? '').filter((g) => g !== '');

  const states = new Map<string, ClusterRolloutState>();
  const records = new Map<string, RolloutClusterStatus>();
  const boundaries: number[] = [];
  const pending: RolloutClusterInput[] = [];
  const failed: Tracked[] = [];
  for (const cluster of input.clusters) {
    if (cluster.currentRevision === undefined) {
      // A cluster joining the selection has nothing to protect: it gets the current content at once.
      states.set(cluster.name, 'Updated');
      continue;
    }
    const previous = previousRecords.get(cluster.name);
    if (cluster.currentRevision !== cluster.desiredRevision) {
      if (previous?.state === 'Progressing' && previous.revision === cluster.desiredRevision) {
        // Released in an earlier plan and not written yet (or the write failed): still this wave's, still due.
        states.set(cluster.name, 'Progressing');
        records.set(cluster.name, previous);
        if (deadlineMs !== undefined) boundaries.push(Date.parse(previous.since) + deadlineMs);
        continue;
      }
      states.set(cluster.name, 'Pending');
      pending.push(cluster);
      continue;
    }
    if (!previous || previous.revision !== cluster.desiredRevision) {
      states.set(cluster.name, 'Updated');
      continue;
    }
    const since = Date.parse(previous.since);
    const record: RolloutClusterStatus = {
      name: cluster.name,
      state: 'Progressing',
      ...(previous.wave !== undefined && { wave: previous.wave }),
      revision: cluster.desiredRevision,
      since: previous.since,
    };
    if (cluster.work.state === 'Available') {
      const successAt = Math.max(Date.parse(cluster.work.since), since) + minSuccessMs;
      if (now >= successAt) {
        states.set(cluster.name, 'Updated');
        continue;
      }
      boundaries.push(successAt);
    }
    if (cluster.work.state === 'Failed') {
      Object.assign(record, { state: 'Failed', message: cluster.work.message });
    } else if (previous.state !== 'Progressing') {
      // A failure counted against maxFailures stays one until the cluster succeeds: a failed cluster that goes
      // silent again must not be in flight beside the next wave.
      Object.assign(record, {
        state: previous.state,
        ...(previous.message !== undefined && { message: previous.message }),
      });
    } else if (deadlineMs !== undefined && now >= since + deadlineMs) {
      Object.assign(record, {
        state: 'TimedOut',
        message: `not Available for ${config.minSuccessTime ?? '0'} within progressDeadline ${config.progressDeadline}`,
      });
    } else if (deadlineMs !== undefined) {
      boundaries.push(since + deadlineMs);
    }
    states.set(cluster.name, record.state === 'Progressing' ? 'Progressing' : 'Failed');
    records.set(cluster.name, record);
    if (record.state !== 'Progressing') failed.push({ input: cluster, record });
  }

  const halted = findHalt(failed, input.clusters, type, config, mandatory, groupOf);
  const inFlight = [...states.values()].some((s) => s === 'Progressing');
  let wave = input.previous?.wave ?? 0;
  if (!halted && !rollout.paused && !inFlight && pending.length > 0) {
    const starting =
      type === 'Progressive'
        ? nextProgressiveWave(pending, input.clusters.length, rollout, mandatory, groupOf)
        : nextGroupWave(pending, mandatory, groupOf);
    wave = input.previous?.state === 'Complete' || wave === 0 ? 1 : wave + 1;
    for (const cluster of starting) {
      states.set(cluster.name, 'Progressing');
      records.set(cluster.name, {
        name: cluster.name,
        state: 'Progressing',
        wave,
        revision: cluster.desiredRevision,
        since: input.now,
      });
      if (deadlineMs !== undefined) boundaries.push(now + deadlineMs);
    }
  }

  const keep = new Set(input.clusters.filter((c) => states.get(c.name) === 'Pending').map((c) => c.name));
  const released = input.clusters
    .filter((c) => states.get(c.name) === 'Progressing' && c.currentRevision !== c.desiredRevision)
    .map((c) => c.name);
  const count = (state: ClusterRolloutState) => [...states.values()].filter((s) => s === state).length;
  const idle = count('Pending') === 0 && count('Progressing') === 0;
  const status: RolloutStatus = {
    state: halted ? 'Halted' : idle ? 'Complete' : rollout.paused ? 'Paused' : 'Progressing',
    wave,
    numberUpdated: count('Updated'),
    numberProgressing: count('Progressing'),
    numberPending: count('Pending'),
    numberFailed: count('Failed'),
    clusters: [...records.values()].toSorted((a, b) => a.name.localeCompare(b.name)),
  };
  if (halted) status.message = halted.message;
  else if (status.state === 'Paused')
    status.message = `paused by spec.rollout.paused; ${count('Pending')} clusters keep their previous content`;
  else if (status.state === 'Progressing')
    status.message = `wave ${wave}: ${count('Progressing')} clusters progressing, ${count('Pending')} pending`;
  // A loop, not Math.min(...): a fleet of many thousand clusters would overflow the argument list.
  const next = boundaries.reduce((soonest, b) => (b > now && b < soonest ? b : soonest), Infinity);
  return {
    clusters: input.clusters.map((c) => ({
      name: c.name,
      state: states.get(c.name) ?? 'Updated',
      revision: keep.has(c.name) ? (c.currentRevision ?? c.desiredRevision) : c.desiredRevision,
    })),
    keep,
    released,
    status,
    ...(halted && { halted }),
    ...(next !== Infinity && { requeueAfterMs: next - now }),
  };
}

function planAllAtOnce(clusters: readonly RolloutClusterInput[]): RolloutPlan {
  return {
    clusters: clusters.map((c) => ({ name: c.name, state: 'Updated', revision: c.desiredRevision })),
    keep: new Set(),
    released: [],
  };
}

/** Mandatory groups first in their order, then the other groups by value, then the clusters without the label. */
function groupRank(group: string, mandatory: readonly string[]): [number, string] {
  const index = mandatory.indexOf(group);
  if (index >= 0) return [index, ''];
  return [group === NO_GROUP ? mandatory.length + 1 : mandatory.length, group];
}

function compareClusters(
  mandatory: readonly string[],
  groupOf: (c: RolloutClusterInput) => string,
): (a: RolloutClusterInput, b: RolloutClusterInput) => number {
  return (a, b) => {
    const [ra, ga] = groupRank(groupOf(a), mandatory);
    const [rb, gb] = groupRank(groupOf(b), mandatory);
    return ra - rb || ga.localeCompare(gb) || a.name.localeCompare(b.name);
  };
}

function nextProgressiveWave(
  pending: readonly RolloutClusterInput[],
  selected: number,
  rollout: RolloutStrategy,
  mandatory: readonly string[],
  groupOf: (c: RolloutClusterInput) => string,
): RolloutClusterInput[] {
  const parsed = parseCountOrPercent(rollout.progressive?.maxConcurrency ?? 1) ?? { count: 1 };
  const size = Math.max(1, resolveCountOrPercent(parsed, selected));
  // Clusters of a mandatory group are ordered first; a wave never mixes the last of them with other clusters, so a
  // failure in a mandatory group halts the rollout before any other cluster is reached.
  const ordered = pending.toSorted(compareClusters(mandatory, groupOf));
  const firstIsMandatory = mandatory.includes(groupOf(ordered[0]!));
  const wave = ordered.slice(0, size);
  return firstIsMandatory ? wave.filter((c) => mandatory.includes(groupOf(c))) : wave;
}

function nextGroupWave(
  pending: readonly RolloutClusterInput[],
  mandatory: readonly string[],
  groupOf: (c: RolloutClusterInput) => string,
): RolloutClusterInput[] {
  const ordered = pending.toSorted(compareClusters(mandatory, groupOf));
  const group = groupOf(ordered[0]!);
  return ordered.filter((c) => groupOf(c) === group);
}

function findHalt(
  failed: readonly Tracked[],
  clusters: readonly RolloutClusterInput[],
  type: 'Progressive' | 'ProgressivePerGroup',
  config: RolloutConfig,
  mandatory: readonly string[],
  groupOf: (c: RolloutClusterInput) => string,
): RolloutPlan['halted'] {
  if (failed.length === 0) return undefined;
  const maxFailures = parseCountOrPercent(config.maxFailures ?? 0) ?? { count: 0 };
  const inMandatory = failed.filter((f) => mandatory.includes(groupOf(f.input)));
  let breached: string | undefined;
  if (inMandatory.length > 0) {
    breached = `a failure in a mandatory decision group (${[...new Set(inMandatory.map((f) => groupOf(f.input)))].join(', ')})`;
  } else if (type === 'Progressive') {
    const allowed = resolveCountOrPercent(maxFailures, clusters.length);
    if (failed.length > allowed) breached = `${failed.length} failed clusters, more than maxFailures ${allowed}`;
  } else {
    for (const group of new Set(failed.map((f) => groupOf(f.input)))) {
      const size = clusters.filter((c) => groupOf(c) === group).length;
      const allowed = resolveCountOrPercent(maxFailures, size);
      const inGroup = failed.filter((f) => groupOf(f.input) === group).length;
      if (inGroup > allowed) {
        breached = `${inGroup} failed clusters in group "${group}", more than maxFailures ${allowed}`;
        break;
      }
    }
  }
  if (!breached) return undefined;
  const names = failed.map((f) => f.record.name).toSorted();
  const detail = failed
    .toSorted((a, b) => a.record.name.localeCompare(b.record.name))
    .map((f) => `${f.record.name} (${f.record.state}: ${f.record.message ?? ''})`)
    .join(', ');
  return { clusters: names, message: `rollout halted by ${breached}: ${detail}` };
}
