import type { V1Node, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { normalizeKernelVersion, trimKernelSuffix } from '@kmm-hub/kernel';

/**
 * Taints the DaemonSet controller tolerates for every DaemonSet pod by itself
 * (`pkg/controller/daemon/util.AddOrUpdateDaemonPodTolerations`): module loaders run on such nodes anyway.
 */
const DAEMONSET_TOLERATIONS: readonly V1Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** Kubernetes toleration matching (`v1helper.TolerationsTolerateTaint`). */
export function toleratesTaint(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** Every NoSchedule and NoExecute taint of the node is tolerated (upstream KMM's "schedulable" node). */
export function isSchedulable(node: V1Node, tolerations: readonly V1Toleration[] | undefined): boolean {
  const all = [...(tolerations ?? []), ...DAEMONSET_TOLERATIONS];
  return (node.spec?.taints ?? [])
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((taint) => all.some((t) => toleratesTaint(t, taint)));
}

export function matchesSelector(node: V1Node, selector: Readonly<Record<string, string>> | undefined): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The node's kernel with one trailing `+` removed (what kernel mappings match), `''` when unknown. */
export function kernelOfNode(node: V1Node): string {
  return trimKernelSuffix(node.status?.nodeInfo?.kernelVersion ?? '');
}

/**
 * The value of the node label `kmm.node.kubernetes.io/kernel-version.full` that module-loader DaemonSets select on:
 * the kernel normalized to `[A-Za-z0-9._-]` (upstream's tag-safe form), or undefined when that is not a valid label
 * value (over 63 characters, or not starting and ending alphanumeric).
 */
export function kernelLabelValue(kernel: string): string | undefined {
  const value = normalizeKernelVersion(kernel);
  return value.length > 0 && value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value)
    ? value
    : undefined;
}
