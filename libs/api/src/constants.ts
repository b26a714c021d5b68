// Names shared by the hub, the spoke agent and the deploy manifests. Upstream KMM and OCM spell them this way; a
// change here breaks compatibility with a real KMM spoke or OCM klusterlet, so each entry says whose name it is.

/** API groups of the resources in libs/api/crds. */
export const API_GROUPS = {
  kmmHub: 'hub.kmm.sigs.x-k8s.io',
  kmm: 'kmm.sigs.x-k8s.io',
  ocmCluster: 'cluster.open-cluster-management.io',
  ocmWork: 'work.open-cluster-management.io',
  ocmApps: 'apps.open-cluster-management.io',
  ocmPolicy: 'policy.open-cluster-management.io',
} as const;

/** Every resource with a CRD in libs/api/crds, keyed by kind. A unit test keeps this table equal to the CRDs. */
export const RESOURCES = {
  ManagedClusterModule: {
    group: API_GROUPS.kmmHub,
    version: 'v1beta1',
    apiVersion: `${API_GROUPS.kmmHub}/v1beta1`,
    kind: 'ManagedClusterModule',
    plural: 'managedclustermodules',
    namespaced: false,
  },
  PreflightValidation: {
    group: API_GROUPS.kmmHub,
    version: 'v1beta1',
    apiVersion: `${API_GROUPS.kmmHub}/v1beta1`,
    kind: 'PreflightValidation',
    plural: 'preflightvalidations',
    namespaced: false,
  },
  Module: {
    group: API_GROUPS.kmm,
    version: 'v1beta1',
    apiVersion: `${API_GROUPS.kmm}/v1beta1`,
    kind: 'Module',
    plural: 'modules',
    namespaced: true,
  },
  ManagedCluster: {
    group: API_GROUPS.ocmCluster,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmCluster}/v1`,
    kind: 'ManagedCluster',
    plural: 'managedclusters',
    namespaced: false,
  },
  ClusterClaim: {
    group: API_GROUPS.ocmCluster,
    version: 'v1alpha1',
    apiVersion: `${API_GROUPS.ocmCluster}/v1alpha1`,
    kind: 'ClusterClaim',
    plural: 'clusterclaims',
    namespaced: false,
  },
  Placement: {
    group: API_GROUPS.ocmCluster,
    version: 'v1beta1',
    apiVersion: `${API_GROUPS.ocmCluster}/v1beta1`,
    kind: 'Placement',
    plural: 'placements',
    namespaced: true,
  },
  PlacementDecision: {
    group: API_GROUPS.ocmCluster,
    version: 'v1beta1',
    apiVersion: `${API_GROUPS.ocmCluster}/v1beta1`,
    kind: 'PlacementDecision',
    plural: 'placementdecisions',
    namespaced: true,
  },
  ManifestWork: {
    group: API_GROUPS.ocmWork,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmWork}/v1`,
    kind: 'ManifestWork',
    plural: 'manifestworks',
    namespaced: true,
  },
  AppliedManifestWork: {
    group: API_GROUPS.ocmWork,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmWork}/v1`,
    kind: 'AppliedManifestWork',
    plural: 'appliedmanifestworks',
    namespaced: false,
  },
  PlacementRule: {
    group: API_GROUPS.ocmApps,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmApps}/v1`,
    kind: 'PlacementRule',
    plural: 'placementrules',
    namespaced: true,
  },
  Policy: {
    group: API_GROUPS.ocmPolicy,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmPolicy}/v1`,
    kind: 'Policy',
    plural: 'policies',
    namespaced: true,
  },
  PlacementBinding: {
    group: API_GROUPS.ocmPolicy,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmPolicy}/v1`,
    kind: 'PlacementBinding',
    plural: 'placementbindings',
    namespaced: true,
  },
  ConfigurationPolicy: {
    group: API_GROUPS.ocmPolicy,
    version: 'v1',
    apiVersion: `${API_GROUPS.ocmPolicy}/v1`,
    kind: 'ConfigurationPolicy',
    plural: 'configurationpolicies',
    namespaced: true,
  },
} as const;

export type ResourceKind = keyof typeof RESOURCES;

export const LABELS = {
  /** Upstream KMM: on every ManifestWork written for a ManagedClusterModule; the value is the MCM name. */
  managedClusterModuleName: 'kmm.node.kubernetes.io/managedclustermodule.name',
  /** Upstream KMM: on objects created for a Module (worker pods, device plugin DaemonSets). */
  moduleName: 'kmm.node.kubernetes.io/module.name',
  moduleNamespace: 'kmm.node.kubernetes.io/module.namespace',
  /** Upstream KMM: the full kernel version a module-loader or build object is for. */
  kernelVersionFull: 'kmm.node.kubernetes.io/kernel-version.full',
  /**
   * Upstream KMM v1.1 (internal/constants/constants.go `DaemonSetRole`): `module-loader` or `device-plugin` on the
   * DaemonSets of a Module that sets `moduleLoader.container.version`, and on their pods.
   */
  daemonSetRole: 'kmm.node.kubernetes.io/role',
  /** OCM: on the hub namespace the registration controller creates for a ManagedCluster. */
  ocmClusterName: 'open-cluster-management.io/cluster-name',
  /** OCM: membership of a ManagedCluster in an exclusive ManagedClusterSet. */
  ocmClusterSet: 'cluster.open-cluster-management.io/clusterset',
  /** OCM: on a PlacementDecision; the value is the Placement name. */
  ocmPlacement: 'cluster.open-cluster-management.io/placement',
  /** OCM: a ClusterClaim with this label stays on the spoke and is not copied to the ManagedCluster. */
  ocmSpokeOnlyClaim: 'open-cluster-management.io/spoke-only',
} as const;

/** Values of LABELS.daemonSetRole (upstream v1.1 `ModuleLoaderRoleLabelValue`, `DevicePluginRoleLabelValue`). */
export const DAEMONSET_ROLES = { moduleLoader: 'module-loader', devicePlugin: 'device-plugin' } as const;
export type DaemonSetRole = (typeof DAEMONSET_ROLES)[keyof typeof DAEMONSET_ROLES];

export const LABEL_PREFIXES = {
  /** Upstream KMM: `<prefix>.<namespace>.<name>=<version>` on nodes drives the ordered upgrade of a Module. */
  moduleVersion: 'kmm.node.kubernetes.io/version-module',
  /**
   * Upstream KMM v1.1 (internal/constants/constants.go `ModuleLoaderVersionLabelPrefix`): the version whose
   * module-loader DaemonSet may run on the node; set by the agent, one step behind the admin's `moduleVersion` label.
   */
  moduleLoaderVersion: 'beta.kmm.node.kubernetes.io/version-module-loader',
  /** Upstream KMM v1.1 (`DevicePluginVersionLabelPrefix`): the version whose device plugin may run on the node. */
  devicePluginVersion: 'beta.kmm.node.kubernetes.io/version-device-plugin',
} as const;

/**
 * The ordered-upgrade node labels of one Module, `<prefix>.<namespace>.<name>` (upstream v1.1
 * internal/utils/moduleversionlabels.go `GetModuleVersionLabelName`, `GetModuleLoaderVersionLabelName`,
 * `GetDevicePluginVersionLabelName`).
 */
export const VERSION_LABELS = {
  module: (namespace: string, module: string) => `${LABEL_PREFIXES.moduleVersion}.${namespace}.${module}`,
  moduleLoader: (namespace: string, module: string) => `${LABEL_PREFIXES.moduleLoaderVersion}.${namespace}.${module}`,
  devicePlugin: (namespace: string, module: string) => `${LABEL_PREFIXES.devicePluginVersion}.${namespace}.${module}`,
} as const;

/**
 * Upstream KMM's per-Module node labels (kubernetes-sigs/kernel-module-management internal/utils/kmmlabels.go
 * `GetKernelModuleReadyNodeLabel`, `GetDevicePluginNodeLabel`, `GetDevicePluginTargetNodeLabel`):
 * `kmm.node.kubernetes.io/<namespace>.<module>.ready` while the module is loaded on the node,
 * `….device-plugin-ready` while its device plugin pod there is Ready, `….device-plugin-target` on the schedulable
 * nodes a Module with a device plugin selects. All carry the empty value; users select their workloads on the first
 * two, and the device plugin DaemonSet selects on `ready` and `device-plugin-target`. A Module with a version also has
 * `….version.ready=<version>` while that version is loaded (`GetKernelModuleVersionReadyNodeLabel`, KMM 2.x; upstream's
 * ordered_upgrade.md "Indicator that the new version is ready to be used").
 */
export const NODE_LABELS = {
  moduleReady: (namespace: string, module: string) => `kmm.node.kubernetes.io/${namespace}.${module}.ready`,
  moduleVersionReady: (namespace: string, module: string) =>
    `kmm.node.kubernetes.io/${namespace}.${module}.version.ready`,
  devicePluginReady: (namespace: string, module: string) =>
    `kmm.node.kubernetes.io/${namespace}.${module}.device-plugin-ready`,
  devicePluginTarget: (namespace: string, module: string) =>
    `kmm.node.kubernetes.io/${namespace}.${module}.device-plugin-target`,
} as const;

/**
 * Recognizes the labels of NODE_LABELS, as upstream's `IsKernelModuleReadyNodeLabel` does (its regexps): the
 * deprecated `kmm.node.kubernetes.io/<module>.ready` and the `….version.ready` labels are not module-ready labels.
 */
export const NODE_LABEL_PATTERNS = {
  moduleReady: /^kmm\.node\.kubernetes\.io\/([a-zA-Z0-9-]+)\.([a-zA-Z0-9-.]+)\.ready$/,
  moduleVersionReady: /^kmm\.node\.kubernetes\.io\/([a-zA-Z0-9-]+)\.([a-zA-Z0-9-.]+)\.version\.ready$/,
  deprecatedModuleReady: /^kmm\.node\.kubernetes\.io\/[a-zA-Z0-9-]+\.ready$/,
  devicePluginReady: /^kmm\.node\.kubernetes\.io\/([a-zA-Z0-9-]+)\.([a-zA-Z0-9-.]+)\.device-plugin-ready$/,
  devicePluginTarget: /^kmm\.node\.kubernetes\.io\/([a-zA-Z0-9-]+)\.([a-zA-Z0-9-.]+)\.device-plugin-target$/,
} as const;

export const ANNOTATIONS = {
  /**
   * Upstream KMM (internal/pod/workerpodmanager.go `modulesOrderKey`): on a module-loader pod with a
   * `modulesLoadingOrder`, the modprobe `softdep` lines that make `modprobe <moduleName>` load the others first.
   */
  modulesOrder: 'kmm.node.kubernetes.io/modules-order',
  /** KMM-Hub: hash of the desired spec of an object we write; equal hash means the write is skipped. */
  specHash: 'hub.kmm.sigs.x-k8s.io/spec-hash',
  /** OCM: hash the work agent puts on objects applied with ServerSideApply and ignoreFields. */
  ocmConfigSpecHash: 'open-cluster-management.io/config-spec-hash',
} as const;

export const FINALIZERS = {
  /** OCM work agent: on every ManifestWork it handles, removed once the applied resources are gone. */
  ocmManifestWorkCleanup: 'cluster.open-cluster-management.io/manifest-work-cleanup',
  /** OCM work agent: on every AppliedManifestWork, removed once its applied resources are deleted. */
  ocmAppliedManifestWorkCleanup: 'cluster.open-cluster-management.io/applied-manifest-work-cleanup',
  /** Upstream KMM: on a Module until its kernel modules are unloaded from the nodes. */
  kmmModule: 'kmm.node.kubernetes.io/module-finalizer',
  /** KMM-Hub: on a ManagedClusterModule until every ManifestWork it owns is gone (the spokes have unloaded). */
  hubManagedClusterModule: 'hub.kmm.sigs.x-k8s.io/managedclustermodule-cleanup',
} as const;

export const CLUSTER_CLAIMS = {
  /** Upstream KMM: the spoke's distinct node kernels, sorted and joined with "\n". */
  kernelVersions: 'kernel-versions.kmm.node.kubernetes.io',
} as const;

export const FIELD_MANAGERS = {
  /** Server-side apply field manager of the hub. */
  hub: 'kmm-hub',
  /** The OCM work agent's default field manager; a ServerSideApply strategy's manager must start with it. */
  ocmWorkAgent: 'work-agent',
} as const;

/** Length limits that KMM-Hub objects run into (bytes; Kubernetes names are ASCII). */
/**
 * KMM-Hub: the hub-wide list of kernels the fleet is about to move to, a ConfigMap in the hub namespace (one kernel
 * a line under `key`, `#` comments). The hub builds and signs every ManagedClusterModule's image for them ahead of time.
 */
export const UPCOMING_KERNELS_CONFIGMAP = { name: 'kmm-hub-upcoming-kernels', key: 'kernels' } as const;

export const LIMITS = {
  /** A label value, hence the MCM name (it is the value of LABELS.managedClusterModuleName). */
  labelValue: 63,
  /** A namespace name (DNS-1123 label). */
  namespace: 63,
  /** An object name (DNS-1123 subdomain). */
  objectName: 253,
  /** Upstream KMM Module webhook: len(name) + len(namespace); the ordered-upgrade label key must fit in 63. */
  moduleNameAndNamespace: 41,
  /** OCM: a ManifestWork name; the agent prefixes it with a 64-character hub hash and a dash. */
  manifestWorkName: 188,
  /** OCM: a ClusterClaim value. */
  clusterClaimValue: 1024,
} as const;
