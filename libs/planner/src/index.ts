export { kernelTargets, type KernelTarget, type KernelTargets } from './kernel-targets.js';
export {
  planClusterDelivery,
  type ClusterDeliveryInput,
  type ClusterDeliveryPlan,
  type ImageFinding,
  type PipelineProgress,
} from './plan-cluster-delivery.js';
export {
  compileClusterSelector,
  decidedClusters,
  isDecisionOf,
  selectClusters,
  type ClusterSelection,
  type SelectorResult,
} from './select-clusters.js';
export {
  DEFAULT_MAX_CLUSTER_STATUS_BYTES,
  capClusterStatuses,
  type CappedClusterStatuses,
} from './cap-cluster-statuses.js';
export { clustersChangedTo } from './clusters-changed-to.js';
export { keptDigest } from './kept-digest.js';
export {
  planImageFinding,
  type ImageFindingInput,
  type ImageFindingStep,
  type ImageLookup,
} from './plan-image-finding.js';
export { summarizeStatus, type DeletingManifestWork, type SpecValidity, type StatusInput } from './summarize-status.js';
export { CLUSTER_DELIVERY_REASONS, type ClusterDeliveryReason } from './cluster-delivery-reasons.js';
export { CONDITION_REASONS, type ConditionReason } from './condition-reasons.js';
export {
  planRollout,
  rolloutWorkStateOf,
  type ClusterRolloutPlan,
  type ClusterRolloutState,
  type RolloutClusterInput,
  type RolloutInput,
  type RolloutPlan,
  type RolloutWorkState,
} from './plan-rollout.js';
export {
  decideManagedClusterModule,
  type ManagedClusterModuleDecision,
  type ManagedClusterModuleSnapshot,
} from './decide-managed-cluster-module.js';
export {
  clusterRecheckAfterMs,
  isClusterSelected,
  manifestWorkToWrite,
  type RecheckIntervals,
} from './decide-cluster.js';
export {
  imageRequestOf,
  inputVersionKey,
  type ImageInputKind,
  type ImageRequest,
  type ResourceVersionOf,
} from './image-request.js';
export { transitionEvents, type PlannedEvent, type TransitionEventsInput } from './transition-events.js';
export {
  LOG_TAIL_LINES,
  VERIFICATION_STAGE,
  VERIFICATION_STATUS,
  describeJobFailure,
  normalizeKernelList,
  parseUpcomingKernels,
  planPreflight,
  planUpcomingKernels,
  preflightEntry,
  preflightKernels,
  unmappedOutlook,
  type KernelImageItem,
  type KernelImageOutlook,
  type PreflightPlan,
} from './plan-kernel-images.js';
export { STATUS_OWNED_ELSEWHERE, statusNeedsWrite, statusWriteIntervalMs } from './status-needs-write.js';
