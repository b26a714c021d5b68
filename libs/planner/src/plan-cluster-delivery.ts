import {
  ANNOTATIONS,
  CLUSTER_DELIVERY_STATES,
  KERNEL_IMAGE_STATES,
  type ClusterDeliveryStatus,
  type KernelImageStatus,
  type ManagedClusterModule,
  type ManifestWork,
} from '@kmm-hub/api';
import { KERNEL_MAPPING_PROBLEM } from '@kmm-hub/kernel';
import {
  decodeManifestWorkStatus,
  renderManifestWork,
  type ManifestWorkStatusSummary,
  type ReadyKernel,
  type WorkloadCounts,
} from '@kmm-hub/manifestwork';
import { withDigest } from '@kmm-hub/image-reference';
import { CLUSTER_DELIVERY_REASONS as REASONS } from './cluster-delivery-reasons.js';
import type { KernelTargets } from './kernel-targets.js';

/** What the edges learned about one kernel's image: from the registry, and from the pipeline when it was absent. */
/** A job of the image pipeline, as far as the plan cares. */
export interface PipelineProgress {
  state: 'queued' | 'building' | 'signing' | 'failed' | 'succeeded';
  attempts: number;
  lastError?: string;
  /** With state succeeded: how the image came to be when it is not simply the job's output (kernel `message`). */
  note?: string;
}

export type ImageFinding =
  /**
   * The tag exists with this digest. With build or sign, `rebuild` is the pipeline's job for the current inputs:
   * until it succeeds (a changed Dockerfile, key or build arg) the digest in use stays published. `recheckError`:
   * the digest is the one already published, kept because the registry could not be asked again.
   */
  | { kind: 'present'; digest: string; rebuild?: PipelineProgress; recheckError?: string }
  /** The registry has no such manifest and the module has neither build nor sign. */
  | { kind: 'missing' }
  /** The registry could not be asked (unreachable, 5xx, auth failure). */
  | { kind: 'error'; message: string }
  /** Its registry is being asked in the background; nothing is known about the image yet. */
  | { kind: 'checking' }
  /** Absent and handed to the image pipeline. */
  | ({ kind: 'pipeline' } & PipelineProgress)
  /** Not looked up yet. */
  | { kind: 'unknown' };

export interface ClusterDeliveryInput {
  mcm: ManagedClusterModule;
  cluster: string;
  targets: KernelTargets;
  /** Per kernel; kernels without an entry count as not looked up yet. */
  findings: ReadonlyMap<string, ImageFinding>;
  /** The ManifestWork as the hub sees it now (for Applied/Available), if it exists. */
  current?: ManifestWork;
}

export interface ClusterDeliveryPlan {
  /** The ManifestWork to have: undefined means none should exist for this (MCM, cluster). */
  desired?: ManifestWork;
  specHash?: string;
  status: ClusterDeliveryStatus;
}

function pipelineStatus(base: { kernel: string; image?: string }, p: PipelineProgress): KernelImageStatus {
  const state =
    p.state === 'failed'
      ? KERNEL_IMAGE_STATES.Failed
      : p.state === 'signing'
        ? KERNEL_IMAGE_STATES.Signing
        : p.state === 'succeeded'
          ? KERNEL_IMAGE_STATES.Pending
          : KERNEL_IMAGE_STATES.Building;
  return { ...base, state, attempts: p.attempts, ...(p.lastError && { lastError: p.lastError }) };
}

function kernelStatus(kernel: string, image: string | undefined, finding: ImageFinding): KernelImageStatus {
  const base = { kernel, ...(image !== undefined && { image }) };
  switch (finding.kind) {
    case 'present':
      if (finding.rebuild && finding.rebuild.state !== 'succeeded') {
        return { ...pipelineStatus(base, finding.rebuild), digest: finding.digest };
      }
      return {
        ...base,
        state: KERNEL_IMAGE_STATES.Ready,
        digest: finding.digest,
        ...(finding.recheckError !== undefined && { lastError: finding.recheckError }),
        ...(finding.rebuild?.note && { message: finding.rebuild.note }),
      };
    case 'missing':
      return {
        ...base,
        state: KERNEL_IMAGE_STATES.Missing,
        lastError: `image ${image} does not exist and the kernel mapping has neither build nor sign`,
      };
    case 'error':
      return { ...base, state: KERNEL_IMAGE_STATES.Failed, lastError: finding.message };
    case 'pipeline':
      return pipelineStatus(base, finding);
    case 'checking':
      return { ...base, state: KERNEL_IMAGE_STATES.Checking };
    case 'unknown':
      return { ...base, state: KERNEL_IMAGE_STATES.Pending };
  }
}

/**
 * What the work agent reported: Applied/Available of the current spec, its failures, and the Module's node counts.
 * `applied` and `available` are present only once the agent has said them about the ManifestWork we want now; until
 * then (not written yet, rewritten, agent behind) they are absent, which status reads as unknown, never as false.
 */
function observedWork(
  summary: ManifestWorkStatusSummary | undefined,
  upToDate: boolean,
): Partial<ClusterDeliveryStatus> {
  if (!summary) return {};
  const counts = (w: WorkloadCounts) => ({
    ...(w.nodesMatching !== undefined && { nodesMatchingSelector: w.nodesMatching }),
    ...(w.desired !== undefined && { desired: w.desired }),
    ...(w.available !== undefined && { available: w.available }),
  });
  const reported = upToDate ? summary.reported : {};
  const manifestWork = {
    ...(reported.applied !== undefined && { applied: reported.applied }),
    ...(reported.available !== undefined && { available: reported.available }),
    ...(upToDate && summary.problems.length > 0 && { problems: [...summary.problems] }),
  };
  return {
    ...(Object.keys(manifestWork).length > 0 && { manifestWork }),
    ...(summary.feedbackSynced && {
      moduleLoader: counts(summary.feedback.moduleLoader),
      devicePlugin: counts(summary.feedback.devicePlugin),
    }),
  };
}

/** `6.1.0-56-amd64 (registry/gpu:6.1.0-56-amd64) Failed: …` for messages. */
function describeKernel(k: KernelImageStatus): string {
  return `${k.kernel}${k.image !== undefined ? ` (${k.image})` : ''} ${k.state}${k.lastError ? `: ${k.lastError}` : ''}`;
}

/**
 * Decides, for one (MCM, cluster), which kernels are published and what the cluster's ManifestWork holds. Ready
 * kernels are published even when others are not (publish what is ready); a cluster with no ready kernel gets no
 * ManifestWork and a reason. Pure: the findings come from the edges.
 */
export function planClusterDelivery(input: ClusterDeliveryInput): ClusterDeliveryPlan {
  const { mcm, cluster, targets, findings, current } = input;
  if (!targets.ok) {
    return {
      status: {
        name: cluster,
        state: CLUSTER_DELIVERY_STATES.NoKernels,
        reason: targets.reason,
        message: targets.message,
      },
    };
  }

  const kernels: KernelImageStatus[] = [];
  const ready = new Map<string, ReadyKernel>();
  const invalid: string[] = [];
  for (const { kernel, resolution } of targets.targets) {
    if (!resolution.ok) {
      if (
        resolution.problem === KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping ||
        resolution.problem === KERNEL_MAPPING_PROBLEM.NoModuleLoader
      ) {
        kernels.push({ kernel, state: KERNEL_IMAGE_STATES.Unmapped });
      } else {
        kernels.push({ kernel, state: KERNEL_IMAGE_STATES.Failed, lastError: resolution.reason });
        invalid.push(resolution.reason);
      }
      continue;
    }
    const image = resolution.mapping.containerImage;
    const finding = findings.get(kernel) ?? { kind: 'unknown' };
    const status = kernelStatus(kernel, image, finding);
    kernels.push(status);
    // Published whenever a digest exists, also while a rebuild for new inputs runs or after it failed.
    // The mapping resolved here is the one rendering uses: each kernel is resolved once per plan.
    if (finding.kind === 'present') {
      ready.set(kernel, { image: withDigest(image, finding.digest), mapping: resolution.mapping });
    }
  }

  const targeted = kernels.filter((k) => k.state !== KERNEL_IMAGE_STATES.Unmapped);
  const failed = kernels.filter(
    (k) => k.state === KERNEL_IMAGE_STATES.Failed || k.state === KERNEL_IMAGE_STATES.Missing,
  );
  const hasLoader = mcm.spec?.moduleSpec?.moduleLoader !== undefined;

  if (hasLoader && ready.size === 0) {
    // Nothing is published, so nothing is written, and a ManifestWork applied before stays as it is. Upstream's hub
    // (kubernetes-sigs/kernel-module-management internal/controllers/hub/managedclustermodule_reconciler.go,
    // Reconcile; internal/manifestwork/manifestwork.go, SetManifestWorkAsDesired, tested by "should empty the
    // Module's kernel mappings when no kernel mappings match") never deletes the ManifestWork of a selected cluster
    // whose kernels match no mapping: it rewrites the Module with `kernelMappings: []`, which its spoke Module CRD
    // (config/crd/bases/kmm.sigs.x-k8s.io_modules.yaml, minItems: 1) rejects, so the Module applied before stays on
    // the spoke. We keep that outcome without the failing apply: a kernel-mapping typo must not unload a driver from
    // a whole fleet. Status says so (Degraded), and deselecting the cluster removes the Module.
    const kept = current !== undefined && !current.metadata.deletionTimestamp;
    const keptNote = kept
      ? `; the previously applied Module stays on the cluster (ManifestWork ${current.metadata.namespace}/${current.metadata.name} is kept unchanged)`
      : '';
    const kernelList = kernels.map((k) => k.kernel).join(', ');
    const status: ClusterDeliveryStatus = {
      name: cluster,
      kernels,
      ...(targeted.length === 0
        ? kept
          ? {
              state: CLUSTER_DELIVERY_STATES.Degraded,
              reason: REASONS.NoMatchingKernelModuleKept,
              message: `no kernel mapping matches any kernel of cluster ${cluster} (${kernelList})${keptNote}, so that a kernel-mapping mistake unloads nothing; fix the kernel mappings, or deselect the cluster to remove the Module`,
            }
          : {
              state: CLUSTER_DELIVERY_STATES.Pending,
              reason: REASONS.NoMatchingKernel,
              message: `no kernel mapping matches any kernel of cluster ${cluster} (${kernelList})`,
            }
        : failed.length > 0
          ? {
              state: CLUSTER_DELIVERY_STATES.Degraded,
              reason: REASONS.ImagesFailed,
              message: `no image is ready; ${failed.length} of ${targeted.length} kernels failed: ${describeKernel(failed[0]!)}${keptNote}`,
            }
          : {
              state: CLUSTER_DELIVERY_STATES.Pending,
              reason: REASONS.ImagesNotReady,
              message: `waiting for images of ${targeted.length} kernels: ${targeted.map(describeKernel).join(', ')}${keptNote}`,
            }),
    };
    return { status };
  }

  const rendered = renderManifestWork({ mcm, cluster, kernels: ready });
  if (!rendered.ok) {
    return {
      status: {
        name: cluster,
        kernels,
        state: CLUSTER_DELIVERY_STATES.Degraded,
        reason: rendered.problem,
        message: rendered.reason,
      },
    };
  }

  const summary = current ? decodeManifestWorkStatus(current) : undefined;
  const upToDate = current?.metadata.annotations?.[ANNOTATIONS.specHash] === rendered.specHash;
  const pendingKernels = targeted.length - ready.size;
  let state: ClusterDeliveryStatus['state'];
  let reason: string;
  let message: string;
  if (upToDate && summary?.reported.applied === false) {
    // The agent's own words (e.g. a forbidden resource) are the only clue a person has: carry them through.
    state = CLUSTER_DELIVERY_STATES.Degraded;
    reason = REASONS.ApplyFailed;
    message = `the work agent could not apply ManifestWork ${current!.metadata.namespace}/${current!.metadata.name}: ${summary.problems.join('; ') || 'no message'}`;
  } else if (failed.length > 0) {
    state = CLUSTER_DELIVERY_STATES.Degraded;
    reason = REASONS.SomeImagesFailed;
    message = `${ready.size} of ${targeted.length} kernels published; ${failed.length} failed: ${describeKernel(failed[0]!)}`;
  } else if (summary?.degraded) {
    state = CLUSTER_DELIVERY_STATES.Degraded;
    reason = REASONS.ManifestWorkDegraded;
    message = summary.problems.join('; ') || 'the work agent reports the ManifestWork Degraded';
  } else if (!upToDate || !summary?.applied || summary.stale) {
    state = CLUSTER_DELIVERY_STATES.Progressing;
    reason = REASONS.ApplyPending;
    message = `${ready.size} of ${targeted.length} kernels published; waiting for the work agent to apply`;
  } else if (pendingKernels > 0) {
    state = CLUSTER_DELIVERY_STATES.Progressing;
    reason = REASONS.ImagesPending;
    message = `${ready.size} of ${targeted.length} kernels published; ${pendingKernels} still building or being checked`;
  } else {
    state = CLUSTER_DELIVERY_STATES.Ready;
    reason = summary.available ? REASONS.Available : REASONS.Applied;
    message = `${ready.size} kernels published and applied`;
  }
  return {
    desired: rendered.manifestWork,
    specHash: rendered.specHash,
    status: { name: cluster, state, reason, message, ...observedWork(summary, upToDate), kernels },
  };
}
