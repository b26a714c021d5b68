import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { LABELS, LABEL_PREFIXES, NODE_LABELS, NODE_LABEL_PATTERNS, VERSION_LABELS, type Module } from '@kmm-hub/api';
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
 * The per-Module labels a node should carry, with their values: from the pods the kubelet runs there, and the
 * device-plugin target of every Module with a device plugin that selects the node while the node is schedulable for
 * it (upstream internal/controllers/device_plugin_reconciler.go `handleDevicePluginTargetLabels`: a draining node
 * loses it, so the device plugin leaves). A Ready module-loader pod of a versioned Module also gives
 * `….version.ready=<its version>` (KMM 2.x internal/controllers/nmc_reconciler.go `UpdateNodeLabels`).
 */
export function wantedNodeModuleLabels(
  node: V1Node,
  pods: readonly V1Pod[],
  modules: readonly Module[],
): Map<string, string> {
  const nodeName = node.metadata?.name ?? '';
  const wanted = new Map<string, string>();
  for (const module of modules) {
    if (module.spec?.devicePlugin === undefined || module.metadata.deletionTimestamp) continue;
    if (!matchesSelector(node, module.spec.selector) || !isSchedulable(node, module.spec.tolerations)) continue;
    wanted.set(NODE_LABELS.devicePluginTarget(module.metadata.namespace ?? '', module.metadata.name ?? ''), '');
  }
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName || !isPodReady(pod)) continue;
    const role = roleOf(pod);
    if (role === undefined) continue;
    const module = pod.metadata?.labels?.[LABELS.moduleName] ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    if (role === 'devicePlugin') {
      wanted.set(NODE_LABELS.devicePluginReady(namespace, module), '');
      continue;
    }
    wanted.set(NODE_LABELS.moduleReady(namespace, module), '');
    const version = pod.metadata?.labels?.[VERSION_LABELS.moduleLoader(namespace, module)];
    if (version) wanted.set(NODE_LABELS.moduleVersionReady(namespace, module), version);
  }
  return wanted;
}

/**
 * A label this agent owns on nodes: upstream's module-ready, version-ready, device-plugin-ready or
 * device-plugin-target form.
 */
export function isNodeModuleLabel(label: string): boolean {
  // `kmm.node.kubernetes.io/version-module.<namespace>.ready` (a Module named "ready") is the admin's, not ours.
  if (label.startsWith(`${LABEL_PREFIXES.moduleVersion}.`)) return false;
  if (
    NODE_LABEL_PATTERNS.devicePluginReady.test(label) ||
    NODE_LABEL_PATTERNS.devicePluginTarget.test(label) ||
    NODE_LABEL_PATTERNS.moduleVersionReady.test(label)
  ) {
    return true;
  }
  return NODE_LABEL_PATTERNS.moduleReady.test(label) && !NODE_LABEL_PATTERNS.deprecatedModuleReady.test(label);
}

/** The three ordered-upgrade labels of one Module on a node (`''` when absent). */
interface ModuleVersionLabels {
  readonly namespace: string;
  readonly name: string;
  module: string;
  moduleLoader: string;
  devicePlugin: string;
}

const VERSION_PREFIXES = [
  ['module', LABEL_PREFIXES.moduleVersion],
  ['moduleLoader', LABEL_PREFIXES.moduleLoaderVersion],
  ['devicePlugin', LABEL_PREFIXES.devicePluginVersion],
] as const;

/**
 * The node's ordered-upgrade labels grouped per Module (upstream v1.1 controllers/node_label_module_version_reconciler.go
 * `getLabelsPerModules`). The namespace is the part up to the next dot (a namespace has none); the rest is the name,
 * which may have dots (upstream splits on every dot and would take only the last part).
 */
function versionLabelsPerModule(labels: Readonly<Record<string, string>>): ModuleVersionLabels[] {
  const perModule = new Map<string, ModuleVersionLabels>();
  for (const [label, value] of Object.entries(labels)) {
    for (const [field, prefix] of VERSION_PREFIXES) {
      if (!label.startsWith(`${prefix}.`)) continue;
      const rest = label.slice(prefix.length + 1);
      const dot = rest.indexOf('.');
      if (dot <= 0 || dot === rest.length - 1) continue;
      const namespace = rest.slice(0, dot);
      const name = rest.slice(dot + 1);
      const key = `${namespace}/${name}`;
      const entry = perModule.get(key) ?? { namespace, name, module: '', moduleLoader: '', devicePlugin: '' };
      entry[field] = value;
      perModule.set(key, entry);
    }
  }
  return [...perModule.values()];
}

type LabelState = 'missing' | 'present' | 'different';
type VersionStep =
  { readonly action: 'none' } | { readonly action: 'add' | 'delete'; readonly label: 'moduleLoader' | 'devicePlugin' };

/**
 * Upstream v1.1 controllers/module_version_label_action_table.go `labelActionTable`, keyed by the state of the
 * admin's version label and of the module-loader and device-plugin version labels (`different`: set, and not equal
 * to the admin's). One step at a time: device plugin off, module loader off, module loader on, device plugin on.
 * Missing keys are `none`, as upstream.
 */
const VERSION_STEPS: Readonly<Record<string, VersionStep>> = {
  'missing/missing/missing': { action: 'none' },
  'missing/present/present': { action: 'delete', label: 'devicePlugin' },
  'missing/present/missing': { action: 'delete', label: 'moduleLoader' },
  'present/missing/missing': { action: 'add', label: 'moduleLoader' },
  'present/present/missing': { action: 'add', label: 'devicePlugin' },
  'present/present/present': { action: 'none' },
  'present/different/different': { action: 'delete', label: 'devicePlugin' },
  'present/different/missing': { action: 'delete', label: 'moduleLoader' },
};

function stateOf(value: string, admin: string): LabelState {
  if (value === '') return 'missing';
  return admin !== '' && value !== admin ? 'different' : 'present';
}

/**
 * Moves each Module's internal version labels one step towards the admin's
 * `kmm.node.kubernetes.io/version-module.<namespace>.<name>` (upstream v1.1 `NodeLabelModuleVersionReconciler`), so
 * that a node changes version in order: its device plugin leaves (the device-plugin DaemonSets select
 * `beta.kmm.node.kubernetes.io/version-device-plugin.<namespace>.<name>`), then its module loader
 * (`….version-module-loader.…`, whose preStop unloads the old module), then the new version's loader comes, then its
 * device plugin. Two gates hold a step until the previous one happened on the node: the module-loader label goes only
 * once no device-plugin pod of the Module is on the node (upstream commit 7846f06 "Fix device-plugin/worker pod labels
 * validations during ordered-upgrade"), and it comes only once no module-loader pod of the Module is on the node,
 * terminating ones included, so the new module is never loaded before the old one's preStop unloaded it (upstream
 * v1.1 `verifyLabelActionValidity`). Returns the labels to set (a version) or remove (`null`).
 */
export function planModuleVersionLabels(node: V1Node, pods: readonly V1Pod[]): Record<string, string | null> {
  const nodeName = node.metadata?.name ?? '';
  const onNode = pods.filter((p) => p.spec?.nodeName === nodeName);
  const hasPod = (namespace: string, name: string, role: 'moduleLoader' | 'devicePlugin') =>
    onNode.some(
      (p) =>
        p.metadata?.namespace === namespace && p.metadata.labels?.[LABELS.moduleName] === name && roleOf(p) === role,
    );
  const patch: Record<string, string | null> = {};
  for (const labels of versionLabelsPerModule(node.metadata?.labels ?? {})) {
    const { namespace, name, module } = labels;
    const admin = module === '' ? 'missing' : 'present';
    const step =
      VERSION_STEPS[`${admin}/${stateOf(labels.moduleLoader, module)}/${stateOf(labels.devicePlugin, module)}`];
    if (step === undefined || step.action === 'none') continue;
    const label = VERSION_LABELS[step.label](namespace, name);
    if (step.action === 'delete') {
      if (step.label === 'moduleLoader' && hasPod(namespace, name, 'devicePlugin')) continue;
      patch[label] = null;
    } else {
      if (step.label === 'moduleLoader' && hasPod(namespace, name, 'moduleLoader')) continue;
      patch[label] = module;
    }
  }
  return patch;
}

/**
 * The merge patch of a node's labels that makes its per-Module labels what `wantedNodeModuleLabels` says (a value
 * sets, `null` removes) and moves its ordered-upgrade labels one step (`planModuleVersionLabels`), or undefined when
 * there is nothing to change. Other labels are never touched.
 */
export function planNodeModuleLabels(
  node: V1Node,
  pods: readonly V1Pod[],
  modules: readonly Module[],
): Record<string, string | null> | undefined {
  const have = node.metadata?.labels ?? {};
  const wanted = wantedNodeModuleLabels(node, pods, modules);
  const patch: Record<string, string | null> = planModuleVersionLabels(node, pods);
  for (const [label, value] of wanted) if (have[label] !== value) patch[label] = value;
  for (const label of Object.keys(have)) if (isNodeModuleLabel(label) && !wanted.has(label)) patch[label] = null;
  return Object.keys(patch).length === 0 ? undefined : patch;
}
