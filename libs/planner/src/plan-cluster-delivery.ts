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
  type WorkloadCounts,
} from '@kmm-hub/manifestwork';
import { withDigest } from '@kmm-hub/oci';
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
   * until it succeeds (a changed Dockerfile, key or build arg) the digest in use stays published.
   */
  | { kind: 'present'; digest: string; rebuild?: PipelineProgress }
  /** The registry has no such manifest and the module has neither build nor sign. */
  | { kind: 'missing' }
  /** The registry could not be asked (unreachable, 5xx, auth failure). */
  | { kind: 'error'; message: string }
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
    case 'unknown':
      return { ...base, state: KERNEL_IMAGE_STATES.Pending };
  }
}

/** What the work agent reported: Applied/Available of the current spec, and the Module's node counts. */
function observedWork(
  summary: ManifestWorkStatusSummary | undefined,
  upToDate: boolean,
): Partial<ClusterDeliveryStatus> {
  if (!summary) return { manifestWork: { applied: false, available: false } };
  const counts = (w: WorkloadCounts) => ({
    ...(w.nodesMatching !== undefined && { nodesMatchingSelector: w.nodesMatching }),
    ...(w.desired !== undefined && { desired: w.desired }),
    ...(w.available !== undefined && { available: w.available }),
  });
  return {
    manifestWork: {
      applied: upToDate && summary.applied && !summary.stale,
      available: upToDate && summary.available && !summary.stale,
    },
    ...(summary.feedbackSynced && {
      moduleLoader: counts(summary.feedback.moduleLoader),
      devicePlugin: counts(summary.feedback.devicePlugin),
    }),
  };
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
  const ready = new Map<string, string>();
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
    if (finding.kind === 'present') ready.set(kernel, withDigest(image, finding.digest));
  }

  const targeted = kernels.filter((k) => k.state !== KERNEL_IMAGE_STATES.Unmapped);
  const failed = kernels.filter(
    (k) => k.state === KERNEL_IMAGE_STATES.Failed || k.state === KERNEL_IMAGE_STATES.Missing,
  );
  const hasLoader = mcm.spec?.moduleSpec?.moduleLoader !== undefined;

  if (hasLoader && ready.size === 0) {
    const status: ClusterDeliveryStatus = {
      name: cluster,
      kernels,
      ...(targeted.length === 0
        ? {
            state: CLUSTER_DELIVERY_STATES.Pending,
            reason: 'NoMatchingKernel',
            message: `no kernel mapping matches any kernel of cluster ${cluster} (${kernels.map((k) => k.kernel).join(', ')})`,
          }
        : failed.length > 0
          ? {
              state: CLUSTER_DELIVERY_STATES.Degraded,
              reason: 'ImagesFailed',
              message: `no image is ready; ${failed.length} of ${targeted.length} kernels failed: ${failed[0]!.lastError ?? ''}`,
            }
          : {
              state: CLUSTER_DELIVERY_STATES.Pending,
              reason: 'ImagesNotReady',
              message: `waiting for images of ${targeted.length} kernels`,
            }),
    };
    return { status };
  }

  const rendered = renderManifestWork({ mcm, cluster, images: ready });
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
  if (failed.length > 0) {
    state = CLUSTER_DELIVERY_STATES.Degraded;
    reason = 'SomeImagesFailed';
    message = `${ready.size} of ${targeted.length} kernels published; ${failed.length} failed: ${failed[0]!.lastError ?? ''}`;
  } else if (summary?.degraded) {
    state = CLUSTER_DELIVERY_STATES.Degraded;
    reason = 'ManifestWorkDegraded';
    message = summary.problems.join('; ') || 'the work agent reports the ManifestWork Degraded';
  } else if (!upToDate || !summary?.applied || summary.stale) {
    state = CLUSTER_DELIVERY_STATES.Progressing;
    reason = 'ApplyPending';
    message = `${ready.size} of ${targeted.length} kernels published; waiting for the work agent to apply`;
  } else if (pendingKernels > 0) {
    state = CLUSTER_DELIVERY_STATES.Progressing;
    reason = 'ImagesPending';
    message = `${ready.size} of ${targeted.length} kernels published; ${pendingKernels} still building or being checked`;
  } else {
    state = CLUSTER_DELIVERY_STATES.Ready;
    reason = summary.available ? 'Available' : 'Applied';
    message = `${ready.size} kernels published and applied`;
  }
  return {
    desired: rendered.manifestWork,
    specHash: rendered.specHash,
    status: { name: cluster, state, reason, message, ...observedWork(summary, upToDate), kernels },
  };
}
