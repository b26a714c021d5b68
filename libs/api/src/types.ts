// Friendly names for the types generated from the CRDs (src/generated, `npm run generate`). Nothing here is written
// by hand but the names: every shape comes from the CRD YAML, so the types cannot drift from the schemas.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { RESOURCES, ResourceKind } from './constants.js';
import type { AppliedManifestWorkV1 } from './generated/applied-manifest-work.js';
import type { ClusterClaimV1Alpha1 } from './generated/cluster-claim.js';
import type { ConfigurationPolicyV1 } from './generated/configuration-policy.js';
import type { ManagedClusterModuleV1Beta1 } from './generated/managed-cluster-module.js';
import type { ManagedClusterV1 } from './generated/managed-cluster.js';
import type { ManifestWorkV1 } from './generated/manifest-work.js';
import type { ModuleV1Beta1 } from './generated/module.js';
import type { PlacementBindingV1 } from './generated/placement-binding.js';
import type { PlacementDecisionV1Beta1 } from './generated/placement-decision.js';
import type { PlacementRuleV1 } from './generated/placement-rule.js';
import type { PlacementV1Beta1 } from './generated/placement.js';
import type { PolicyV1 } from './generated/policy.js';
import type { PreflightValidationV1Beta1 } from './generated/preflight-validation.js';

/**
 * A generated root type as the API server returns it: apiVersion and kind are the literals of the resource and
 * metadata is an ObjectMeta.
 */
export type KubernetesObject<TKind extends ResourceKind, TGenerated> = Omit<
  TGenerated,
  'apiVersion' | 'kind' | 'metadata'
> & {
  apiVersion: (typeof RESOURCES)[TKind]['apiVersion'];
  kind: TKind;
  metadata: V1ObjectMeta;
};

// hub.kmm.sigs.x-k8s.io
export type ManagedClusterModule = KubernetesObject<'ManagedClusterModule', ManagedClusterModuleV1Beta1>;
export type ManagedClusterModuleSpec = NonNullable<ManagedClusterModuleV1Beta1['spec']>;
export type ManagedClusterModuleStatus = NonNullable<ManagedClusterModuleV1Beta1['status']>;
/** KMM-Hub extension: a metav1.LabelSelector over ManagedCluster labels. */
export type ClusterSelector = NonNullable<ManagedClusterModuleSpec['clusterSelector']>;
export type PlacementRef = NonNullable<ManagedClusterModuleSpec['placementRef']>;
export type LabelSelectorRequirement = NonNullable<ClusterSelector['matchExpressions']>[number];
/** KMM-Hub extension: one entry of status.clusters. */
export type ClusterDeliveryStatus = NonNullable<ManagedClusterModuleStatus['clusters']>[number];
export type ClusterDeliveryState = ClusterDeliveryStatus['state'];
/** KMM-Hub extension: one entry of status.clusters[].kernels. */
export type KernelImageStatus = NonNullable<ClusterDeliveryStatus['kernels']>[number];
export type KernelImageState = KernelImageStatus['state'];
/** KMM-Hub extension: one entry of status.upcomingKernels. */
export type UpcomingKernelStatus = NonNullable<ManagedClusterModuleStatus['upcomingKernels']>[number];
export type UpcomingKernelState = UpcomingKernelStatus['state'];
/** Upstream's PreflightValidation (kmm.sigs.x-k8s.io/v1beta2) for a fleet: ManagedClusterModules × kernels. */
export type PreflightValidation = KubernetesObject<'PreflightValidation', PreflightValidationV1Beta1>;
export type PreflightValidationSpec = NonNullable<PreflightValidationV1Beta1['spec']>;
export type PreflightValidationStatus = NonNullable<PreflightValidationV1Beta1['status']>;
export type PreflightModuleStatus = NonNullable<PreflightValidationStatus['modules']>[number];
/** A metav1.Condition as our CRDs store it. */
export type Condition = NonNullable<ManagedClusterModuleStatus['conditions']>[number];

// kmm.sigs.x-k8s.io
export type Module = KubernetesObject<'Module', ModuleV1Beta1>;
export type ModuleSpec = NonNullable<ModuleV1Beta1['spec']>;
export type ModuleStatus = NonNullable<ModuleV1Beta1['status']>;
export type ModuleLoaderSpec = NonNullable<ModuleSpec['moduleLoader']>;
export type ModuleLoaderContainerSpec = ModuleLoaderSpec['container'];
export type KernelMapping = ModuleLoaderContainerSpec['kernelMappings'][number];
export type Build = NonNullable<ModuleLoaderContainerSpec['build']>;
export type BuildArg = NonNullable<Build['buildArgs']>[number];
export type Sign = NonNullable<ModuleLoaderContainerSpec['sign']>;
export type RegistryTLS = NonNullable<ModuleLoaderContainerSpec['registryTLS']>;
export type ModprobeSpec = ModuleLoaderContainerSpec['modprobe'];
export type ModprobeArgs = NonNullable<ModprobeSpec['args']>;
export type DevicePluginSpec = NonNullable<ModuleSpec['devicePlugin']>;
export type DraSpec = NonNullable<ModuleSpec['dra']>;
export type ContainerSpec = DevicePluginSpec['container'];
export type Volume = NonNullable<DevicePluginSpec['volumes']>[number];
export type Toleration = NonNullable<ModuleSpec['tolerations']>[number];
export type LocalObjectReference = NonNullable<ModuleSpec['imageRepoSecret']>;

// cluster.open-cluster-management.io
export type ManagedCluster = KubernetesObject<'ManagedCluster', ManagedClusterV1>;
export type ManagedClusterSpec = NonNullable<ManagedClusterV1['spec']>;
export type ManagedClusterStatus = NonNullable<ManagedClusterV1['status']>;
export type ManagedClusterClaim = NonNullable<ManagedClusterStatus['clusterClaims']>[number];
export type ClusterClaim = KubernetesObject<'ClusterClaim', ClusterClaimV1Alpha1>;
export type Placement = KubernetesObject<'Placement', PlacementV1Beta1>;
export type PlacementDecision = KubernetesObject<'PlacementDecision', PlacementDecisionV1Beta1>;

// work.open-cluster-management.io
export type ManifestWork = KubernetesObject<'ManifestWork', ManifestWorkV1>;
export type ManifestWorkSpec = NonNullable<ManifestWorkV1['spec']>;
export type ManifestWorkStatus = NonNullable<ManifestWorkV1['status']>;
export type Manifest = NonNullable<NonNullable<ManifestWorkSpec['workload']>['manifests']>[number];
export type ManifestConfigOption = NonNullable<ManifestWorkSpec['manifestConfigs']>[number];
export type FeedbackRule = NonNullable<ManifestConfigOption['feedbackRules']>[number];
export type ManifestCondition = NonNullable<NonNullable<ManifestWorkStatus['resourceStatus']>['manifests']>[number];
export type FeedbackValue = NonNullable<NonNullable<ManifestCondition['statusFeedback']>['values']>[number];
export type AppliedManifestWork = KubernetesObject<'AppliedManifestWork', AppliedManifestWorkV1>;

// apps.open-cluster-management.io
export type PlacementRule = KubernetesObject<'PlacementRule', PlacementRuleV1>;

// policy.open-cluster-management.io
export type Policy = KubernetesObject<'Policy', PolicyV1>;
export type PlacementBinding = KubernetesObject<'PlacementBinding', PlacementBindingV1>;
export type ConfigurationPolicy = KubernetesObject<'ConfigurationPolicy', ConfigurationPolicyV1>;
