// The subset of kustomize that deploy/ uses, for the scripts and tests that read the bases without a kustomize
// binary: a kustomization lists `resources`, each a YAML file or a directory with its own kustomization. Anything
// else a kustomization may say (patches, namespace, images, generators, ...) is refused, so nothing here can render
// a base differently from `kubectl kustomize`. Output order is kustomize's default ("legacy") order.
//
// Plain ESM JavaScript because Node 20 cannot import TypeScript; kustomize.d.mts types it for the tests.
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root: paths in errors and in `source` are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources']);

// kustomize's legacy order: these kinds first, in this order; these last; every other kind in between.
const ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function kindRank(kind) {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? ORDER_FIRST.length + 1 + last : ORDER_FIRST.length;
}

function gvkString(object) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return `${group}_${version}_${object.kind}`;
}

/** kustomize's legacy comparison: kind rank, then group/version/kind, then namespace, then name. */
export function compareResources(a, b) {
  const byRank = kindRank(a.kind) - kindRank(b.kind);
  if (byRank !== 0) return byRank;
  const keys = [
    [gvkString(a), gvkString(b)],
    [a.metadata?.namespace ?? '', b.metadata?.namespace ?? ''],
    [a.metadata?.name ?? '', b.metadata?.name ?? ''],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/** `apps/Deployment kmm-hub/kmm-hub-api`: how kustomize tells two resources apart. */
export function resourceId(object) {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const ns = object.metadata?.namespace;
  return `${group ? `${group}/` : ''}${object.kind} ${ns ? `${ns}/` : ''}${object.metadata?.name}`;
}

async function isDirectory(path) {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function findKustomizationFile(dir) {
  for (const name of KUSTOMIZATION_FILES) {
    const path = join(dir, name);
    if ((await isDirectory(path)) === false) return path;
  }
  return undefined;
}

/** Every Kubernetes object of a multi-document YAML file; empty documents are skipped. */
export function parseYamlObjects(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
      throw new Error(`${source}: a document is not a Kubernetes object (apiVersion and kind are required)`);
    }
    if (typeof value.metadata?.name !== 'string') throw new Error(`${source}: ${value.kind} without metadata.name`);
    objects.push(value);
  }
  return objects;
}

async function accumulate(dir, visiting, out) {
  const root = resolve(dir);
  // As kustomize: a kustomization may include a sub-folder, never a folder on its own path to the root.
  for (const ancestor of visiting) {
    if (ancestor === root || ancestor.startsWith(`${root}/`)) {
      throw new Error(`${relative(REPO_ROOT, root)}: cycle, it contains ${relative(REPO_ROOT, ancestor)}`);
    }
  }
  const file = await findKustomizationFile(root);
  if (!file) throw new Error(`${relative(REPO_ROOT, root)}: no kustomization.yaml`);
  const source = relative(REPO_ROOT, file);
  const [kustomization = {}] = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() ?? {});
  const unsupported = Object.keys(kustomization).filter((k) => !KUSTOMIZATION_KEYS.has(k));
  if (unsupported.length > 0) throw new Error(`${source}: unsupported fields ${unsupported.join(', ')}`);
  if (kustomization.kind !== undefined && kustomization.kind !== 'Kustomization') {
    throw new Error(`${source}: kind ${kustomization.kind} is not Kustomization`);
  }
  for (const entry of kustomization.resources ?? []) {
    if (typeof entry !== 'string' || /^[a-z]+:\/\//.test(entry)) {
      throw new Error(`${source}: resource ${JSON.stringify(entry)} is not a local path`);
    }
    const path = resolve(root, entry);
    const directory = await isDirectory(path);
    if (directory === undefined) throw new Error(`${source}: resource ${entry} does not exist`);
    if (directory) {
      await accumulate(path, [...visiting, root], out);
    } else {
      if (relative(root, path).startsWith('..')) {
        throw new Error(`${source}: file ${entry} is outside the kustomization's folder (kustomize refuses it)`);
      }
      const fileSource = relative(REPO_ROOT, path);
      for (const object of parseYamlObjects(await readFile(path, 'utf8'), fileSource)) {
        out.push({ object, source: fileSource });
      }
    }
  }
}

/**
 * The objects a kustomization renders, in kustomize's order, each with the repository-relative file it came from.
 * Throws on a missing file, a cycle, a field this subset does not implement, or two objects with the same id.
 */
export async function loadKustomization(dir) {
  const found = [];
  await accumulate(dir, [], found);
  const seen = new Map();
  for (const { object, source } of found) {
    const id = resourceId(object);
    const previous = seen.get(id);
    if (previous) throw new Error(`${id} is defined twice: in ${previous} and in ${source}`);
    seen.set(id, source);
  }
  return found.toSorted((a, b) => compareResources(a.object, b.object));
}
