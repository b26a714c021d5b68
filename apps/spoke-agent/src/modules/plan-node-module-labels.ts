import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { LABELS, NODE_LABELS, NODE_LABEL_PATTERNS, type Module } from '@kmm-hub/api';
import { isSchedulable, matchesSelector } from './node-scheduling.js';

/**
 * Whether the kubelet reports the pod Ready and nothing is deleting it (upstream KMM
 * internal/controllers/pod_node_label_reconciler.go: `podutils.IsPodReady` and no deletion timestamp; a deleted
 * pod's label goes at once, since its preStop unload runs first). A module-loader container only becomes Ready once
 * its postStart `modprobe` succeeded.
 */
export function isPodReady(pod: V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** A pod of one of our DaemonSets: a module loader (it carries the kernel label) or a device plugin. */
function roleOf(pod: V1Pod): 'moduleLoader' | 'devicePlugin' | undefined {
  const labels = pod.metadata?.labels ?? {};
  if (labels[LABELS.moduleName] === undefined) return undefined;
  if (!(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller === true)) {
    return undefined;
  }
  return labels[LABELS.kernelVersionFull] === undefined ? 'devicePlugin' : 'moduleLoader';
}

/**
 * The per-Module labels a node should carry: from the pods the kubelet runs there, and the device-plugin target of
 * every Module with a device plugin that selects the node while the node is schedulable for it (upstream
 * internal/controllers/device_plugin_reconciler.go `handleDevicePluginTargetLabels`: a draining node loses it, so the
 * device plugin leaves).
 */
export function wantedNodeModuleLabels(node: V1Node, pods: readonly V1Pod[], modules: readonly Module[]): Set<string> {
  const nodeName = node.metadata?.name ?? '';
  const wanted = new Set<string>();
  for (const module of modules) {
    if (module.spec?.devicePlugin === undefined || module.metadata.deletionTimestamp) continue;
    if (!matchesSelector(node, module.spec.selector) || !isSchedulable(node, module.spec.tolerations)) continue;
    wanted.add(NODE_LABELS.devicePluginTarget(module.metadata.namespace ?? '', module.metadata.name ?? ''));
  }
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName || !isPodReady(pod)) continue;
    const role = roleOf(pod);
    if (role === undefined) continue;
    const module = pod.metadata?.labels?.[LABELS.moduleName] ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    wanted.add(
      role === 'moduleLoader'
        ? NODE_LABELS.moduleReady(namespace, module)
        : NODE_LABELS.devicePluginReady(namespace, module),
    );
  }
  return wanted;
}

/** A label this agent owns on nodes: upstream's module-ready, device-plugin-ready or device-plugin-target form. */
export function isNodeModuleLabel(label: string): boolean {
  if (NODE_LABEL_PATTERNS.devicePluginReady.test(label) || NODE_LABEL_PATTERNS.devicePluginTarget.test(label)) {
    return true;
  }
  return (
    NODE_LABEL_PATTERNS.moduleReady.test(label) &&
    !NODE_LABEL_PATTERNS.moduleVersionReady.test(label) &&
    !NODE_LABEL_PATTERNS.deprecatedModuleReady.test(label)
  );
}

/**
 * The merge patch of a node's labels that makes its per-Module labels what `wantedNodeModuleLabels` says (`""`
 * adds, `null` removes), or undefined when they already are. Other labels are never touched.
 */
export function planNodeModuleLabels(
  node: V1Node,
  pods: readonly V1Pod[],
  modules: readonly Module[],
): Record<string, string | null> | undefined {
  const have = node.metadata?.labels ?? {};
  const wanted = wantedNodeModuleLabels(node, pods, modules);
  const patch: Record<string, string | null> = {};
  for (const label of wanted) if (have[label] !== '') patch[label] = '';
  for (const label of Object.keys(have)) if (isNodeModuleLabel(label) && !wanted.has(label)) patch[label] = null;
  return Object.keys(patch).length === 0 ? undefined : patch;
}
