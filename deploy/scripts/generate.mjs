// Generates the files of deploy/ that are copies or renderings of something else, so they cannot drift from it:
//   deploy/crds/<set>/            the CRDs of libs/api/crds, verbatim, grouped by the cluster that needs them
//   deploy/policies/spoke-agent/policy/policy.yaml
//                                 an RHACM Policy whose ConfigurationPolicy holds every object of the
//                                 deploy/spoke-agent kustomize base, plus the hub kubeconfig Secret as a hub template
//   deploy/olm/manifests/, deploy/olm/metadata/
//                                 the hub's OLM bundle (registry+v1): a ClusterServiceVersion made from the deploy/hub
//                                 base (Deployments, RBAC as permissions), its CRD and plain manifests, and the
//                                 bundle annotations
//
//   node deploy/scripts/generate.mjs           write the files (and delete generated CRD files nobody wants)
//   node deploy/scripts/generate.mjs --check   exit 1 and list the stale files if the committed ones differ
//
// Plain ESM JavaScript because Node 20 cannot import TypeScript; generate.d.mts types it for the unit test that keeps
// the committed files current.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { stringify } from 'yaml';
import { compareResources, loadKustomization, REPO_ROOT } from './kustomize.mjs';

export const LIBS_API_CRDS = 'libs/api/crds';
export const DEPLOY_CRDS = 'deploy/crds';
export const SPOKE_AGENT_BASE = 'deploy/spoke-agent';
export const SPOKE_AGENT_POLICY = 'deploy/policies/spoke-agent/policy/policy.yaml';

/**
 * Where each CRD of libs/api goes. `hub` and `spoke` are ours; `ocm-hub` and `ocm-spoke` are the OCM CRDs our hub
 * and agent use, for clusters that run without OCM or RHACM (which install them otherwise). `null`: RHACM's own
 * governance and placement CRDs, which libs/api holds for tests only. A CRD missing here fails generation, so a new
 * one gets a decision.
 */
export const CRD_SETS = {
  'hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml': 'hub',
  'hub.kmm.sigs.x-k8s.io_preflightvalidations.yaml': 'hub',
  'kmm.sigs.x-k8s.io_modules.yaml': 'spoke',
  'cluster.open-cluster-management.io_managedclusters.yaml': 'ocm-hub',
  'work.open-cluster-management.io_manifestworks.yaml': 'ocm-hub',
  'cluster.open-cluster-management.io_clusterclaims.yaml': 'ocm-spoke',
  'work.open-cluster-management.io_appliedmanifestworks.yaml': 'ocm-spoke',
  'apps.open-cluster-management.io_placementrules.yaml': null,
  'cluster.open-cluster-management.io_placementdecisions.yaml': 'ocm-hub',
  'cluster.open-cluster-management.io_placements.yaml': null,
  'policy.open-cluster-management.io_configurationpolicies.yaml': null,
  'policy.open-cluster-management.io_placementbindings.yaml': null,
  'policy.open-cluster-management.io_policies.yaml': null,
};

const CRD_SET_PURPOSE = {
  hub: 'KMM-Hub CRDs for the hub cluster (deploy/hub includes them).',
  spoke: 'KMM CRDs for spoke clusters where the KMM-Hub agent loads modules (deploy/spoke-agent includes them).',
  'ocm-hub': 'OCM CRDs the hub uses, for a hub without OCM or RHACM (which install their own otherwise).',
  'ocm-spoke': 'OCM CRDs the agent uses, for a spoke without an OCM klusterlet (which installs its own otherwise).',
};

/** The hub namespace of the rollout policies; RHACM hub templates may read Secrets of this namespace only. */
export const POLICY_NAMESPACE = 'kmm-hub-policies';
/** On the hub, in POLICY_NAMESPACE: `<cluster>-hub-kubeconfig`, key `kubeconfig`, one per selected spoke. */
export const HUB_KUBECONFIG_SECRET_SUFFIX = '-hub-kubeconfig';
/** On each spoke: the Secret the agent Deployment reads (keys `kubeconfig` and `cluster-name`). */
export const AGENT_SECRET_NAME = 'kmm-hub-kubeconfig';

function generatedHeader(lines) {
  return `${lines.map((l) => `# ${l}`).join('\n')}\n`;
}

async function formatYaml(text, path) {
  const options = (await resolveConfig(join(REPO_ROOT, path))) ?? {};
  return format(text, { ...options, parser: 'yaml', filepath: path });
}

function toYaml(value) {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** deploy/crds/<set>/<file> for every deployed CRD, plus one kustomization.yaml per set. */
export async function renderCrdFiles() {
  const names = (await readdir(join(REPO_ROOT, LIBS_API_CRDS))).filter((n) => n.endsWith('.yaml')).toSorted();
  const unknown = names.filter((n) => !(n in CRD_SETS));
  if (unknown.length > 0) {
    throw new Error(`deploy/scripts/generate.mjs: CRD_SETS says nothing about ${unknown.join(', ')}`);
  }
  const files = new Map();
  const sets = new Map();
  for (const name of names) {
    const set = CRD_SETS[name];
    if (set === null) continue;
    const text = await readFile(join(REPO_ROOT, LIBS_API_CRDS, name), 'utf8');
    const header = generatedHeader([`Generated by deploy/scripts/generate.mjs from ${LIBS_API_CRDS}/${name}.`]);
    files.set(`${DEPLOY_CRDS}/${set}/${name}`, `${header}${text}`);
    sets.set(set, [...(sets.get(set) ?? []), name]);
  }
  for (const [set, members] of sets) {
    const path = `${DEPLOY_CRDS}/${set}/kustomization.yaml`;
    const header = generatedHeader([CRD_SET_PURPOSE[set], 'Generated by deploy/scripts/generate.mjs.']);
    const body = toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: members });
    files.set(path, await formatYaml(`${header}${body}`, path));
  }
  return files;
}

/**
 * The Secret the agent reads, as a ConfigurationPolicy template: both values are RHACM hub templates, resolved on
 * the hub for each cluster when the policy is propagated. fromSecret output is encrypted by RHACM in the replicated
 * policy, so no credential is ever written into this file or the root policy.
 */
export function agentSecretTemplate(namespace) {
  const hubSecret = `(printf "%s${HUB_KUBECONFIG_SECRET_SUFFIX}" .ManagedClusterName)`;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: AGENT_SECRET_NAME,
      namespace,
      labels: { 'app.kubernetes.io/name': 'kmm-spoke-agent', 'app.kubernetes.io/part-of': 'kmm-hub' },
    },
    type: 'Opaque',
    data: {
      kubeconfig: `{{hub fromSecret "${POLICY_NAMESPACE}" ${hubSecret} "kubeconfig" hub}}`,
      'cluster-name': '{{hub .ManagedClusterName | base64enc hub}}',
    },
  };
}

/**
 * The rollout Policy for the agent: one enforced ConfigurationPolicy whose object templates are the base's objects,
 * unchanged and in kustomize order, plus the agent's Secret. musthave keeps what others add (defaults, labels);
 * pruneObjectBehavior None leaves the agent and the Module CRD in place when a cluster leaves the placement, since
 * deleting the CRD would delete every Module and unload its kernel modules.
 */
export function renderSpokeAgentPolicy(baseObjects) {
  const deployment = baseObjects.find((o) => o.kind === 'Deployment');
  if (!deployment) throw new Error(`${SPOKE_AGENT_BASE} has no Deployment`);
  const objects = [...baseObjects, agentSecretTemplate(deployment.metadata.namespace)].toSorted(compareResources);
  return {
    apiVersion: 'policy.open-cluster-management.io/v1',
    kind: 'Policy',
    metadata: {
      name: 'kmm-spoke-agent',
      namespace: POLICY_NAMESPACE,
      annotations: {
        'policy.open-cluster-management.io/standards': 'NIST SP 800-53',
        'policy.open-cluster-management.io/categories': 'CM Configuration Management',
        'policy.open-cluster-management.io/controls': 'CM-2 Baseline Configuration',
        'policy.open-cluster-management.io/description':
          'Installs the KMM-Hub spoke agent on the selected managed clusters.',
      },
    },
    spec: {
      remediationAction: 'enforce',
      disabled: false,
      'policy-templates': [
        {
          objectDefinition: {
            apiVersion: 'policy.open-cluster-management.io/v1',
            kind: 'ConfigurationPolicy',
            metadata: { name: 'kmm-spoke-agent' },
            spec: {
              remediationAction: 'enforce',
              severity: 'medium',
              pruneObjectBehavior: 'None',
              'object-templates': objects.map((objectDefinition) => ({
                complianceType: 'musthave',
                objectDefinition,
              })),
            },
          },
        },
      ],
    },
  };
}

export async function renderPolicyFiles() {
  const base = await loadKustomization(join(REPO_ROOT, SPOKE_AGENT_BASE));
  const policy = renderSpokeAgentPolicy(base.map((r) => r.object));
  const header = generatedHeader([
    `Generated by deploy/scripts/generate.mjs from the ${SPOKE_AGENT_BASE} kustomize base: change the base, then`,
    'run `node deploy/scripts/generate.mjs`.',
    '',
    'Rolls the KMM-Hub agent out to the clusters that deploy/policies/spoke-agent/placement (a Placement) or',
    '.../placementrule (a PlacementRule, for older hubs) selects. Each selected cluster needs its hub credential on',
    `the hub first: Secret <cluster>${HUB_KUBECONFIG_SECRET_SUFFIX} in namespace ${POLICY_NAMESPACE}, key \`kubeconfig\``,
    '(for instance with a token of the service account that deploy/spoke-agent/rbac-hub.yaml creates). RHACM copies',
    `it, encrypted, into Secret ${AGENT_SECRET_NAME} on that cluster; this file holds only the reference.`,
    'When KMM-Hub runs on this RHACM hub, the klusterlets already apply its ManifestWorks: use',
    'deploy/policies/work-agent-modules instead, or run this agent with WORK_AGENT=false.',
  ]);
  return new Map([[SPOKE_AGENT_POLICY, await formatYaml(`${header}${toYaml(policy)}`, SPOKE_AGENT_POLICY)]]);
}

export const HUB_BASE = 'deploy/hub';
export const OLM_BUNDLE = 'deploy/olm';
/** Hand-written inputs of the bundle that live beside the generated files. */
export const OLM_ICON = `${OLM_BUNDLE}/icon.svg`;
export const OLM_PACKAGE = 'kmm-hub';
export const OLM_CHANNEL = 'stable';
const OWNED_CRD = 'hub.kmm.sigs.x-k8s.io_managedclustermodules.yaml';
/** The other CRDs of the hub the bundle owns: listed in the CSV without descriptors. */
const OTHER_OWNED_CRDS = {
  'hub.kmm.sigs.x-k8s.io_preflightvalidations.yaml': {
    displayName: 'Preflight Validation',
    description: 'Checks, builds and signs the images of ManagedClusterModules for kernels the fleet moves to next.',
  },
};

/**
 * metadata/annotations.yaml of the registry+v1 bundle format
 * (https://olm.operatorframework.io/docs/tasks/creating-operator-bundle/); the bundle image repeats them as labels.
 */
export function olmBundleAnnotations() {
  return {
    'operators.operatorframework.io.bundle.mediatype.v1': 'registry+v1',
    'operators.operatorframework.io.bundle.manifests.v1': 'manifests/',
    'operators.operatorframework.io.bundle.metadata.v1': 'metadata/',
    'operators.operatorframework.io.bundle.package.v1': OLM_PACKAGE,
    'operators.operatorframework.io.bundle.channels.v1': OLM_CHANNEL,
    'operators.operatorframework.io.bundle.channel.default.v1': OLM_CHANNEL,
  };
}

/**
 * What the console shows for fields of a ManagedClusterModule. Descriptions come from the CRD schema, so they cannot
 * drift; a path that the schema lacks fails generation. x-descriptors are the console's UI hints (openshift/console
 * frontend/packages/operator-lifecycle-manager/src/components/descriptors/reference/reference.md).
 */
const MCM_SPEC_DESCRIPTORS = [
  // selector is upstream's equality map, not a LabelSelector, which the selector x-descriptor expects.
  ['selector', 'Cluster labels', []],
  [
    'clusterSelector',
    'Cluster selector',
    ['urn:alm:descriptor:com.tectonic.ui:selector:cluster.open-cluster-management.io:v1:ManagedCluster'],
  ],
  ['placementRef', 'Placement', []],
  ['spokeNamespace', 'Spoke namespace', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['moduleSpec', 'Module spec', []],
];
const MCM_STATUS_DESCRIPTORS = [
  ['conditions', 'Conditions', ['urn:alm:descriptor:io.kubernetes.conditions']],
  ['numberSelected', 'Clusters selected', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['numberDesired', 'ManifestWorks desired', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['numberApplied', 'ManifestWorks applied', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['numberAvailable', 'ManifestWorks available', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['numberDegraded', 'ManifestWorks degraded', ['urn:alm:descriptor:com.tectonic.ui:text']],
  ['clusters', 'Clusters', []],
];

/** The first sentence of a schema description: the console shows descriptor descriptions on one line. */
function firstSentence(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

function descriptors(schema, table, where) {
  return table.map(([path, displayName, xDescriptors]) => {
    const property = schema.properties?.[path];
    if (!property) throw new Error(`deploy/scripts/generate.mjs: the ManagedClusterModule ${where} has no ${path}`);
    return {
      path,
      displayName,
      description: firstSentence(property.description ?? displayName),
      ...(xDescriptors.length > 0 ? { 'x-descriptors': xDescriptors } : {}),
    };
  });
}

function storageVersion(crd) {
  const version = crd.spec.versions.find((v) => v.storage);
  if (!version) throw new Error(`CRD ${crd.metadata.name} has no storage version`);
  return version;
}

/** The example the console offers when a user creates a PreflightValidation (alm-examples). */
const PREFLIGHT_EXAMPLE = {
  apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
  kind: 'PreflightValidation',
  metadata: { name: 'next-kernel' },
  spec: { kernelVersion: '5.14.0-427.13.1.el9_4.x86_64', pushBuiltImage: true },
};

/** The example the console offers when a user creates a ManagedClusterModule (alm-examples). */
export const MCM_EXAMPLE = {
  apiVersion: 'hub.kmm.sigs.x-k8s.io/v1beta1',
  kind: 'ManagedClusterModule',
  metadata: { name: 'example-kmod' },
  spec: {
    selector: { 'kmm.example.com/kmod': 'true' },
    spokeNamespace: 'kmm-spoke-agent',
    moduleSpec: {
      selector: { 'node-role.kubernetes.io/worker': '' },
      moduleLoader: {
        container: {
          modprobe: { moduleName: 'example_kmod' },
          kernelMappings: [{ regexp: '^.+$', containerImage: 'quay.io/example/example-kmod:${KERNEL_FULL_VERSION}' }],
        },
      },
    },
  },
};

/** A role's rules, by the namespace/name of each service account its bindings name. */
function rulesBySubject(objects, bindingKind, roleKind) {
  const bySubject = new Map();
  for (const binding of objects.filter((o) => o.kind === bindingKind)) {
    if (binding.roleRef.kind !== roleKind) {
      throw new Error(
        `${binding.kind} ${binding.metadata.name} binds a ${binding.roleRef.kind}: OLM permissions cannot say that`,
      );
    }
    const role = objects.find((o) => o.kind === roleKind && o.metadata.name === binding.roleRef.name);
    if (!role)
      throw new Error(
        `${binding.kind} ${binding.metadata.name} binds ${roleKind} ${binding.roleRef.name}, not in ${HUB_BASE}`,
      );
    for (const subject of binding.subjects) {
      if (subject.kind !== 'ServiceAccount')
        throw new Error(`${binding.kind} ${binding.metadata.name} binds a ${subject.kind}`);
      bySubject.set(subject.name, [...(bySubject.get(subject.name) ?? []), ...role.rules]);
    }
  }
  return [...bySubject].map(([serviceAccountName, rules]) => ({ serviceAccountName, rules }));
}

/** Kinds of deploy/hub that the bundle carries as plain manifests; OLM creates them in the install namespace. */
const BUNDLE_MANIFEST_KINDS = new Set(['ConfigMap', 'Service']);
/** Kinds that the CSV expresses itself (install strategy, permissions) or that OLM makes (the namespace). */
const CSV_KINDS = new Set([
  'Namespace',
  'ServiceAccount',
  'Deployment',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
]);

/**
 * The ClusterServiceVersion of the hub: the Deployments of deploy/hub, each service account's Roles and ClusterRoles as
 * permissions and clusterPermissions (what OLM turns back into Roles, ClusterRoles and their bindings), the
 * ManagedClusterModule CRD as owned, and the OCM APIs the hub uses as nativeAPIs (a hub without OCM or RHACM has
 * none, and OLM then refuses to install rather than start a hub that cannot work).
 */
export function renderClusterServiceVersion({ hubObjects, ocmHubCrds, version, icon }) {
  const unknown = hubObjects.filter(
    (o) => !CSV_KINDS.has(o.kind) && !BUNDLE_MANIFEST_KINDS.has(o.kind) && o.kind !== 'CustomResourceDefinition',
  );
  if (unknown.length > 0) {
    throw new Error(
      `deploy/scripts/generate.mjs: the OLM bundle has no place for ${unknown.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  const deployments = hubObjects.filter((o) => o.kind === 'Deployment');
  const permissions = rulesBySubject(hubObjects, 'RoleBinding', 'Role');
  const clusterPermissions = rulesBySubject(hubObjects, 'ClusterRoleBinding', 'ClusterRole');
  for (const d of deployments) {
    const sa = d.spec.template.spec.serviceAccountName;
    if (![...permissions, ...clusterPermissions].some((p) => p.serviceAccountName === sa)) {
      throw new Error(
        `Deployment ${d.metadata.name} runs as ${sa}, which no permission names: OLM would not create it`,
      );
    }
  }
  const images = [
    ...new Set(deployments.flatMap((d) => d.spec.template.spec.containers.map((c) => c.image))),
  ].toSorted();
  const crd = hubObjects.find(
    (o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === 'managedclustermodules.hub.kmm.sigs.x-k8s.io',
  );
  const otherCrds = hubObjects.filter((o) => o.kind === 'CustomResourceDefinition' && o !== crd);
  const served = storageVersion(crd);
  const schema = served.schema.openAPIV3Schema.properties;
  const description = [
    'KMM-Hub builds, signs and delivers out-of-tree kernel modules to a fleet of clusters. A ManagedClusterModule on',
    'this hub selects managed clusters and carries a KMM Module spec; the hub builds and signs each image the selected',
    "clusters' kernels need and hands a Module to every cluster in a ManifestWork, which the KMM-Hub spoke agent or",
    'the KMM operator with the klusterlet work agent loads there.',
    '',
    'Needs Open Cluster Management or Red Hat Advanced Cluster Management on this cluster (ManagedClusters,',
    'ManifestWorks, PlacementDecisions) and a Redis that the kmm-hub-config ConfigMap points at.',
  ].join('\n');
  return {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'ClusterServiceVersion',
    metadata: {
      name: `${OLM_PACKAGE}.v${version}`,
      annotations: {
        'alm-examples': JSON.stringify([MCM_EXAMPLE, PREFLIGHT_EXAMPLE], null, 2),
        capabilities: 'Basic Install',
        categories: 'Integration & Delivery',
        containerImage: images[0],
        description: 'Builds, signs and delivers out-of-tree kernel modules to a fleet of clusters.',
        'operatorframework.io/suggested-namespace': 'kmm-hub',
        support: 'KMM-Hub',
      },
      labels: {
        'operatorframework.io/arch.amd64': 'supported',
        'operatorframework.io/os.linux': 'supported',
      },
    },
    spec: {
      displayName: 'KMM-Hub',
      description,
      version,
      maturity: 'alpha',
      minKubeVersion: '1.30.0',
      provider: { name: 'KMM-Hub' },
      maintainers: [{ name: 'KMM-Hub developers', email: 'dev@kmm-hub.invalid' }],
      keywords: ['kernel', 'kernel module', 'kmm', 'driver', 'open cluster management', 'rhacm'],
      icon: [{ base64data: Buffer.from(icon).toString('base64'), mediatype: 'image/svg+xml' }],
      // The hub watches cluster-scoped ManagedClusterModules and reads Secrets of its own namespace only, so it
      // works the same whichever namespaces an OperatorGroup targets; it cannot serve a subset of namespaces.
      installModes: [
        { type: 'OwnNamespace', supported: true },
        { type: 'SingleNamespace', supported: false },
        { type: 'MultiNamespace', supported: false },
        { type: 'AllNamespaces', supported: true },
      ],
      install: {
        strategy: 'deployment',
        spec: {
          clusterPermissions,
          permissions,
          deployments: deployments.map((d) => ({ name: d.metadata.name, label: d.metadata.labels, spec: d.spec })),
        },
      },
      customresourcedefinitions: {
        owned: [
          {
            name: crd.metadata.name,
            version: served.name,
            kind: crd.spec.names.kind,
            displayName: 'Managed Cluster Module',
            description: 'A kernel module for the managed clusters a selector picks.',
            resources: [{ kind: 'ManifestWork', name: '', version: 'v1' }],
            specDescriptors: descriptors(schema.spec, MCM_SPEC_DESCRIPTORS, 'spec'),
            statusDescriptors: descriptors(schema.status, MCM_STATUS_DESCRIPTORS, 'status'),
          },
          ...otherCrds.map((other) => {
            const file = `${other.spec.group}_${other.spec.names.plural}.yaml`;
            const text = OTHER_OWNED_CRDS[file];
            if (!text) throw new Error(`deploy/scripts/generate.mjs: no CSV text for the owned CRD ${file}`);
            return {
              name: other.metadata.name,
              version: storageVersion(other).name,
              kind: other.spec.names.kind,
              ...text,
            };
          }),
        ],
      },
      nativeAPIs: ocmHubCrds
        .map((c) => ({ group: c.spec.group, version: storageVersion(c).name, kind: c.spec.names.kind }))
        .toSorted((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`)),
      relatedImages: images.map((image) => ({ name: image.replace(/[:@].*$/, '').replace(/.*\//, ''), image })),
    },
  };
}

/** Objects of the bundle's manifests/ directory that OLM creates in the install namespace, namespace removed. */
function bundleManifest(object) {
  const { namespace: _namespace, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function bundleManifestName(object) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return `${object.metadata.name}_${group ? `${group}_` : ''}${version}_${object.kind.toLowerCase()}.yaml`;
}

/** deploy/olm/manifests and deploy/olm/metadata, from deploy/hub, deploy/crds/ocm-hub and package.json. */
export async function renderOlmFiles() {
  const hubObjects = (await loadKustomization(join(REPO_ROOT, HUB_BASE))).map((r) => r.object);
  const ocmHubCrds = (await loadKustomization(join(REPO_ROOT, DEPLOY_CRDS, 'ocm-hub'))).map((r) => r.object);
  const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
  const icon = await readFile(join(REPO_ROOT, OLM_ICON), 'utf8');
  const csv = renderClusterServiceVersion({ hubObjects, ocmHubCrds, version, icon });
  const header = (from) =>
    generatedHeader([
      `Generated by deploy/scripts/generate.mjs from ${from}: change that, then run \`node deploy/scripts/generate.mjs\`.`,
    ]);
  const files = new Map();
  const add = async (path, head, value) => files.set(path, await formatYaml(`${head}${toYaml(value)}`, path));
  await add(
    `${OLM_BUNDLE}/manifests/${OLM_PACKAGE}.clusterserviceversion.yaml`,
    header(`${HUB_BASE} and ${DEPLOY_CRDS}/ocm-hub`),
    csv,
  );
  const crdText = await readFile(join(REPO_ROOT, LIBS_API_CRDS, OWNED_CRD), 'utf8');
  files.set(`${OLM_BUNDLE}/manifests/${OWNED_CRD}`, `${header(`${LIBS_API_CRDS}/${OWNED_CRD}`)}${crdText}`);
  for (const file of Object.keys(OTHER_OWNED_CRDS)) {
    const text = await readFile(join(REPO_ROOT, LIBS_API_CRDS, file), 'utf8');
    files.set(`${OLM_BUNDLE}/manifests/${file}`, `${header(`${LIBS_API_CRDS}/${file}`)}${text}`);
  }
  for (const object of hubObjects.filter((o) => BUNDLE_MANIFEST_KINDS.has(o.kind))) {
    await add(`${OLM_BUNDLE}/manifests/${bundleManifestName(object)}`, header(HUB_BASE), bundleManifest(object));
  }
  await add(`${OLM_BUNDLE}/metadata/annotations.yaml`, header('deploy/scripts/generate.mjs'), {
    annotations: olmBundleAnnotations(),
  });
  return files;
}

/** Every generated file, by repository-relative path. */
export async function renderDeployFiles() {
  return new Map([...(await renderCrdFiles()), ...(await renderPolicyFiles()), ...(await renderOlmFiles())]);
}

async function readIfExists(path) {
  try {
    return await readFile(join(REPO_ROOT, path), 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Folders that hold generated files only: one per CRD set, and the OLM bundle's manifests/ and metadata/. */
async function generatedFolders() {
  let sets = [];
  try {
    sets = await readdir(join(REPO_ROOT, DEPLOY_CRDS), { withFileTypes: true });
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const crdFolders = sets.filter((d) => d.isDirectory()).map((d) => `${DEPLOY_CRDS}/${d.name}`);
  return [...crdFolders, `${OLM_BUNDLE}/manifests`, `${OLM_BUNDLE}/metadata`];
}

/** Files in generated folders that nothing generates any more. */
async function listOrphans(expected) {
  const orphans = [];
  for (const folder of await generatedFolders()) {
    let names = [];
    try {
      names = await readdir(join(REPO_ROOT, folder));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    for (const name of names) if (!expected.has(`${folder}/${name}`)) orphans.push(`${folder}/${name}`);
  }
  return orphans;
}

/** Paths whose committed content differs from what the generator renders, missing files and orphans included. */
export async function checkDeployFiles() {
  const expected = await renderDeployFiles();
  const stale = [];
  for (const [path, text] of expected) if ((await readIfExists(path)) !== text) stale.push(path);
  return [...stale, ...(await listOrphans(expected))].toSorted();
}

async function writeChanged(files) {
  const touched = [];
  for (const [path, text] of files) {
    if ((await readIfExists(path)) === text) continue;
    await mkdir(dirname(join(REPO_ROOT, path)), { recursive: true });
    await writeFile(join(REPO_ROOT, path), text);
    touched.push(path);
  }
  return touched;
}

/**
 * Writes every generated file that changed and deletes orphans; returns the paths it touched. The CRDs go first:
 * the spoke-agent base, hence the policy, and the hub base, hence the OLM bundle, include deploy/crds.
 */
export async function writeDeployFiles() {
  const touched = await writeChanged(await renderCrdFiles());
  touched.push(...(await writeChanged(await renderPolicyFiles())));
  touched.push(...(await writeChanged(await renderOlmFiles())));
  for (const path of await listOrphans(await renderDeployFiles())) {
    await rm(join(REPO_ROOT, path));
    touched.push(path);
  }
  return touched;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) {
    const stale = await checkDeployFiles();
    if (stale.length > 0) {
      process.stderr.write(
        `stale generated deploy files (run node deploy/scripts/generate.mjs):\n  ${stale.join('\n  ')}\n`,
      );
      process.exit(1);
    }
  } else {
    for (const path of await writeDeployFiles()) process.stdout.write(`wrote ${path}\n`);
  }
}
