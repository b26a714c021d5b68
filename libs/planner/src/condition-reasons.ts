// The closed vocabulary of ManagedClusterModule.status.conditions[].reason that summarizeStatus writes. The
// Degraded condition may also carry the reason of the first degraded cluster (CLUSTER_DELIVERY_REASONS) and Valid
// the reason of an invalid spec.

/** Condition reasons of ManagedClusterModule.status.conditions, besides the per-cluster reasons they may repeat. */
export const CONDITION_REASONS = {
  Valid: 'Valid',
  InvalidSpec: 'InvalidSpec',
  NotValidatedYet: 'NotValidatedYet',
  /** Some input of the condition is not known yet; the message lists which. */
  NotKnownYet: 'NotKnownYet',
  NoClustersSelected: 'NoClustersSelected',
  AllImagesReady: 'AllImagesReady',
  ImagesNotReady: 'ImagesNotReady',
  AllApplied: 'AllApplied',
  NotApplied: 'NotApplied',
  AllAvailable: 'AllAvailable',
  NotAvailable: 'NotAvailable',
  NotDegraded: 'NotDegraded',
  ClusterDegraded: 'ClusterDegraded',
  /** spec.rollout halted: more clusters failed than maxFailures allows; the message names them. */
  RolloutHalted: 'RolloutHalted',
  Deleting: 'Deleting',
} as const;

export type ConditionReason = (typeof CONDITION_REASONS)[keyof typeof CONDITION_REASONS];
