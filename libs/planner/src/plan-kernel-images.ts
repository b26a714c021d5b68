// Kernels no cluster runs yet: which (ManagedClusterModule, kernel) pairs a PreflightValidation or the upcoming
// kernels ask about, what each kernel mapping makes of them, and how the image's progress reads in each status.
// Preflight and prebuilding share this: one function turns "MCM × kernel" into the mapping whose image the hub then
// checks, builds and signs, exactly as it would for a cluster that runs the kernel.
import {
  validatePreflightValidation,
  type ManagedClusterModule,
  type PreflightModuleStatus,
  type PreflightValidation,
  type UpcomingKernelStatus,
} from '@kmm-hub/api';
import {
  KERNEL_MAPPING_PROBLEM,
  resolveManagedClusterModuleKernel,
  trimKernelSuffix,
  type KernelMappingResolution,
} from '@kmm-hub/kernel';
import { compileClusterSelector } from './select-clusters.js';

/** One MCM and one kernel, with what its kernel mappings make of the kernel. */
export interface KernelImageItem {
  mcm: ManagedClusterModule;
  kernel: string;
  resolution: KernelMappingResolution;
}

/**
 * The kernels a list names, in order: trimmed, a trailing `+` removed (as the spokes' claim is read, see
 * `parseKernelClaim`), blanks and repeats dropped.
 */
export function normalizeKernelList(kernels: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of kernels) {
    const kernel = trimKernelSuffix(k.trim());
    if (kernel !== '') out.add(kernel);
  }
  return [...out];
}

/** The kernels of a PreflightValidation: `kernelVersion` (upstream's) first, then `kernelVersions`. */
export function preflightKernels(pfv: PreflightValidation): string[] {
  const spec = pfv.spec;
  return normalizeKernelList([...(spec?.kernelVersion ? [spec.kernelVersion] : []), ...(spec?.kernelVersions ?? [])]);
}

export type PreflightPlan = { ok: true; items: KernelImageItem[] } | { ok: false; reason: string };

/**
 * Every (MCM, kernel) pair a PreflightValidation asks about: the MCMs its selector picks (all of them without one;
 * MCMs being deleted are left out), times its kernels, sorted by MCM name then kernel order. An invalid selector or
 * no kernel is a reason, not a throw.
 */
export function planPreflight(pfv: PreflightValidation, mcms: readonly ManagedClusterModule[]): PreflightPlan {
  const validation = validatePreflightValidation(pfv);
  if (!validation.ok) return { ok: false, reason: validation.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  const kernels = preflightKernels(pfv);
  const selector = pfv.spec?.selector;
  const compiled = compileClusterSelector(undefined, selector);
  if (!compiled.ok) return { ok: false, reason: compiled.reason.replace('spec.clusterSelector', 'spec.selector') };
  const selected = mcms
    .filter((m) => !m.metadata.deletionTimestamp && compiled.matches(m.metadata.labels ?? {}))
    .toSorted((a, b) => compareNames(a.metadata.name ?? '', b.metadata.name ?? ''));
  return { ok: true, items: selected.flatMap((mcm) => kernelImageItems(mcm, kernels)) };
}

/**
 * The upcoming kernels of one MCM: its `spec.upcomingKernels` and the hub-wide list (ConfigMap
 * kmm-hub-upcoming-kernels), in that order, without repeats.
 */
export function planUpcomingKernels(mcm: ManagedClusterModule, hubWide: readonly string[]): KernelImageItem[] {
  if (mcm.metadata.deletionTimestamp) return [];
  return kernelImageItems(mcm, normalizeKernelList([...(mcm.spec?.upcomingKernels ?? []), ...hubWide]));
}

/** The hub-wide upcoming kernels from the ConfigMap value: one kernel a line, `#` starts a comment. */
export function parseUpcomingKernels(value: string | undefined): string[] {
  return normalizeKernelList((value ?? '').split('\n').map((line) => line.replace(/#.*$/, '')));
}

function kernelImageItems(mcm: ManagedClusterModule, kernels: readonly string[]): KernelImageItem[] {
  return kernels.map((kernel) => ({ mcm, kernel, resolution: resolveManagedClusterModuleKernel(mcm, kernel) }));
}

/**
 * Where a kernel's image stands, as the hub's image check and pipeline tell it: the vocabulary of
 * `status.upcomingKernels[].state`, which preflight maps onto upstream's verification status and stage.
 */
export type KernelImageOutlook = Pick<UpcomingKernelStatus, 'state' | 'image' | 'digest' | 'message'> & {
  /** With state Failed: the registry check failed (it is asked again), rather than the mapping, build or sign. */
  checkFailed?: boolean;
};

/** What a kernel that no mapping matches reads as. */
export function unmappedOutlook(item: KernelImageItem): KernelImageOutlook | undefined {
  if (item.resolution.ok) return undefined;
  const noMatch = item.resolution.problem === KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping;
  return {
    state: noMatch ? 'Unmapped' : 'Failed',
    message: noMatch
      ? `no kernel mapping of spec.moduleSpec.moduleLoader.container.kernelMappings matches kernel ${item.kernel}`
      : `kernel ${item.kernel}: ${item.resolution.reason}`,
  };
}

/** Lines of a failed build's log kept in a status message: enough to see the failing step. */
export const LOG_TAIL_LINES = 8;
const MAX_MESSAGE_CHARS = 2_000;

/** A failed job's error with the last lines of its log, bounded (the log can be megabytes). */
export function describeJobFailure(image: string, lastError: string | undefined, logs: readonly string[]): string {
  const tail = logs
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-LOG_TAIL_LINES);
  const text = `building or signing ${image} failed: ${lastError ?? 'unknown error'}${tail.length > 0 ? `; last log lines:\n${tail.join('\n')}` : ''}`;
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}

export const VERIFICATION_STATUS = { Success: 'Success', Failure: 'Failure', InProgress: 'InProgress' } as const;
export const VERIFICATION_STAGE = { Image: 'Image', Build: 'Build', Sign: 'Sign', Done: 'Done' } as const;

/**
 * Upstream's verification status and stage for an outlook: Ready is Success; Unmapped, Missing and Failed are
 * Failure; Checking, Building and Signing are InProgress at the stage they name. A registry that does not answer
 * is Failure at stage Image (the hub keeps asking, so the entry turns to Success when it answers).
 */
export function preflightEntry(
  item: Pick<KernelImageItem, 'mcm' | 'kernel'>,
  outlook: KernelImageOutlook,
  previous: PreflightModuleStatus | undefined,
  now: string,
): PreflightModuleStatus {
  const [verificationStatus, verificationStage] = verification(outlook);
  const unchanged =
    previous !== undefined &&
    previous.verificationStatus === verificationStatus &&
    previous.verificationStage === verificationStage;
  return {
    name: item.mcm.metadata.name ?? '',
    namespace: item.mcm.spec?.spokeNamespace ?? '',
    kernelVersion: item.kernel,
    ...(outlook.image !== undefined && { image: outlook.image }),
    verificationStatus,
    verificationStage,
    statusReason: statusReason(outlook),
    lastTransitionTime: unchanged ? previous.lastTransitionTime : now,
  };
}

function verification(
  o: KernelImageOutlook,
): [PreflightModuleStatus['verificationStatus'], PreflightModuleStatus['verificationStage']] {
  switch (o.state) {
    case 'Ready':
      return [VERIFICATION_STATUS.Success, VERIFICATION_STAGE.Done];
    case 'Checking':
      return [VERIFICATION_STATUS.InProgress, VERIFICATION_STAGE.Image];
    case 'Building':
      return [VERIFICATION_STATUS.InProgress, VERIFICATION_STAGE.Build];
    case 'Signing':
      return [VERIFICATION_STATUS.InProgress, VERIFICATION_STAGE.Sign];
    case 'Failed':
      return [VERIFICATION_STATUS.Failure, o.checkFailed ? VERIFICATION_STAGE.Image : VERIFICATION_STAGE.Done];
    case 'Unmapped':
    case 'Missing':
      return [VERIFICATION_STATUS.Failure, VERIFICATION_STAGE.Done];
  }
}

function statusReason(o: KernelImageOutlook): string {
  if (o.message) return o.message;
  switch (o.state) {
    case 'Ready':
      return `image ${o.image ?? ''} is in its registry${o.digest ? ` as ${o.digest}` : ''}`;
    case 'Checking':
      return `checking image ${o.image ?? ''} in its registry`;
    case 'Building':
      return `building image ${o.image ?? ''}`;
    case 'Signing':
      return `signing image ${o.image ?? ''}`;
    default:
      return o.state;
  }
}

function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
