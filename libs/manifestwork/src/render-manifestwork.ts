import {
  ANNOTATIONS,
  LABELS,
  LIMITS,
  RESOURCES,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  type ManagedClusterModule,
  type Manifest,
  type ManifestWork,
  type Module,
} from '@kmm-hub/api';
import { moduleIdentityOf } from '@kmm-hub/kernel';
import { moduleStatusFeedbackRule } from './module-status-feedback.js';
import { RENDER_PROBLEM, type RenderFailure } from './render-problem.js';
import { renderModule, type ReadyKernel } from './render-module.js';
import { hashCanonicalJson } from './spec-hash.js';

/**
 * OCM hub admission: the summed byte size of a ManifestWork's raw manifests may not exceed this (webhook flag
 * `--manifestLimit`, default 500 KiB: open-cluster-management-io/ocm pkg/work/webhook/option.go). A bare apiserver
 * has no webhook, so we enforce it.
 */
export const OCM_MANIFESTS_SIZE_LIMIT = 500 * 1024;

export interface RenderManifestWorkInput {
  readonly mcm: ManagedClusterModule;
  /** The ManagedCluster name, which is also the hub namespace of its ManifestWorks. */
  readonly cluster: string;
  /** Ready kernels → digest-pinned image and resolved mapping; see `RenderModuleInput.kernels`. */
  readonly kernels: ReadonlyMap<string, ReadyKernel>;
}

export type RenderManifestWorkResult = { ok: true; manifestWork: ManifestWork; specHash: string } | RenderFailure;

/**
 * The ManifestWork that delivers an MCM to one cluster (upstream `SetManifestWorkAsDesired`,
 * kubernetes-sigs/kernel-module-management internal/manifestwork/manifestwork.go):
 * - `metadata`: name = MCM name, namespace = cluster, our label `managedclustermodule.name=<mcm>` (the writer must
 *   merge it into existing labels, never replace them), a controller ownerReference to the MCM when its uid is known,
 *   and the spec-hash annotation: sha256 of the canonical JSON of {labels, ownerReferences, spec}, so a writer can
 *   skip the apply when the live object carries the same hash. Owner and labels are in the hash because a recreated
 *   MCM (new uid) with an identical spec must still be written;
 * - `spec.workload.manifests`: exactly the trimmed Module (`renderModule`);
 * - `spec.manifestConfigs`: upstream's one entry for that Module (group kmm.sigs.x-k8s.io, resource modules) with the
 *   nine status-feedback JSONPaths; default update strategy, delete option and no condition rules, as upstream.
 * Nothing is rendered, with a reason, when the MCM has a module loader and no kernel is ready (upstream sends
 * `kernelMappings: []`, which the spoke rejects) or when a limit would make the hub, the work agent or the spoke
 * reject the object: MCM name a DNS subdomain and a label value (≤ 63, so also under OCM's 188); cluster and
 * spokeNamespace DNS labels; MCM name + spokeNamespace ≤ 41 (upstream Module webhook); manifests ≤ 500 KiB.
 */
export function renderManifestWork(input: RenderManifestWorkInput): RenderManifestWorkResult {
  const { mcm, cluster, kernels } = input;
  const identity = moduleIdentityOf(mcm);
  const nameProblem = findNameProblem(identity.name, identity.namespace, cluster);
  if (nameProblem !== undefined) return { ok: false, problem: RENDER_PROBLEM.InvalidName, reason: nameProblem };

  const rendered = renderModule({ mcm, kernels });
  if (!rendered.ok) return rendered;
  const module = rendered.module;

  const manifest = toManifest(module);
  const size = goJsonByteLength(manifest);
  if (size > OCM_MANIFESTS_SIZE_LIMIT) {
    return {
      ok: false,
      problem: RENDER_PROBLEM.ManifestsTooLarge,
      reason: `the Module manifest is ${size} bytes, over the ${OCM_MANIFESTS_SIZE_LIMIT}-byte limit of OCM ManifestWork manifests`,
    };
  }

  const labels = { [LABELS.managedClusterModuleName]: identity.name };
  const uid = mcm.metadata.uid;
  const ownerReferences =
    uid === undefined || uid === ''
      ? undefined
      : [
          {
            apiVersion: RESOURCES.ManagedClusterModule.apiVersion,
            kind: RESOURCES.ManagedClusterModule.kind,
            name: identity.name,
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ];
  const spec: ManifestWork['spec'] = {
    workload: { manifests: [manifest] },
    manifestConfigs: [
      {
        resourceIdentifier: {
          group: RESOURCES.Module.group,
          resource: RESOURCES.Module.plural,
          name: identity.name,
          namespace: identity.namespace,
        },
        feedbackRules: [moduleStatusFeedbackRule()],
      },
    ],
  };
  const specHash = hashCanonicalJson({ labels, ownerReferences, spec });
  return {
    ok: true,
    specHash,
    manifestWork: {
      apiVersion: RESOURCES.ManifestWork.apiVersion,
      kind: RESOURCES.ManifestWork.kind,
      metadata: {
        name: identity.name,
        namespace: cluster,
        labels,
        annotations: { [ANNOTATIONS.specHash]: specHash },
        ...(ownerReferences !== undefined && { ownerReferences }),
      },
      spec,
    },
  };
}

/** A Module as an embedded manifest: the same JSON, typed as the ManifestWork schema's raw object. */
function toManifest(module: Module): Manifest {
  const { apiVersion, kind, metadata, spec } = module;
  return { apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace }, spec };
}

function findNameProblem(name: string, spokeNamespace: string, cluster: string): string | undefined {
  // The label-value check (≤ 63) also keeps the name under OCM's 188 (`LIMITS.manifestWorkName`).
  const checks: [what: string, value: string, errors: string[]][] = [
    ['ManagedClusterModule name', name, [...checkDns1123Subdomain(name), ...checkLabelValue(name)]],
    ['cluster name (the ManifestWork namespace)', cluster, checkDns1123Label(cluster)],
    ['spec.spokeNamespace', spokeNamespace, checkDns1123Label(spokeNamespace)],
  ];
  for (const [what, value, errors] of checks) {
    if (errors.length > 0) return `${what} ${JSON.stringify(value)} is invalid: ${errors.join('; ')}`;
  }
  const combined = name.length + spokeNamespace.length;
  if (combined > LIMITS.moduleNameAndNamespace) {
    return (
      `ManagedClusterModule name and spec.spokeNamespace are ${combined} characters together, over the ` +
      `${LIMITS.moduleNameAndNamespace} the spoke Module webhook accepts`
    );
  }
  return undefined;
}

/**
 * The size of `value` as Go's encoding/json writes it (how the API server hands the manifest to OCM's webhook):
 * compact like JSON.stringify, but `<`, `>`, `&`, U+2028 and U+2029 are escaped as `\u00XX`/`\u20XX`.
 */
export function goJsonByteLength(value: unknown): number {
  const json = JSON.stringify(value);
  let escaped = 0;
  for (const ch of json) {
    if (ch === '<' || ch === '>' || ch === '&') escaped += 5;
    else if (ch === '\u2028' || ch === '\u2029') escaped += 3;
  }
  return Buffer.byteLength(json, 'utf8') + escaped;
}
