import type { V1Node } from '@kubernetes/client-node';
import type { Module } from '@kmm-hub/api';
import { kernelOfNode, matchesSelector } from './node-scheduling.js';

export const moduleKey = (m: Module) => `${m.metadata.namespace ?? ''}/${m.metadata.name ?? ''}`;

export function parseModuleKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** A Node change that can change a Module's plan: labels, taints or kernel (not the kubelet's heartbeats). */
export function isRelevantNodeChange(node: V1Node, old: V1Node | undefined): boolean {
  if (old === undefined) return true;
  return (
    JSON.stringify(node.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {}) ||
    JSON.stringify(node.spec?.taints ?? []) !== JSON.stringify(old.spec?.taints ?? []) ||
    kernelOfNode(node) !== kernelOfNode(old)
  );
}

/** The Modules whose selector matches the node before or after the change. */
export function moduleKeysForNode(modules: readonly Module[], node: V1Node, old?: V1Node): string[] {
  return modules
    .filter(
      (m) => matchesSelector(node, m.spec?.selector) || (old !== undefined && matchesSelector(old, m.spec?.selector)),
    )
    .map(moduleKey);
}
