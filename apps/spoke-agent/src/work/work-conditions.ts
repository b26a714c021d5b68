// The condition types and reasons the OCM work agent writes (open-cluster-management-io/api work/v1/types.go); a hub
// or a real RHACM reads them by name.

export const WORK_CONDITION = {
  Applied: 'Applied',
  Available: 'Available',
  Deleting: 'Deleting',
  StatusFeedbackSynced: 'StatusFeedbackSynced',
} as const;
export type WorkConditionType = (typeof WORK_CONDITION)[keyof typeof WORK_CONDITION];

export const WORK_REASON = {
  // work level
  AppliedManifestWorkComplete: 'AppliedManifestWorkComplete',
  AppliedManifestWorkFailed: 'AppliedManifestWorkFailed',
  ResourcesAvailable: 'ResourcesAvailable',
  ResourcesNotAvailable: 'ResourcesNotAvailable',
  ResourcesStatusUnknown: 'ResourcesStatusUnknown',
  WorkDeleting: 'WorkDeleting',
  // manifest level
  AppliedManifestComplete: 'AppliedManifestComplete',
  AppliedManifestFailed: 'AppliedManifestFailed',
  ResourceAvailable: 'ResourceAvailable',
  ResourceNotAvailable: 'ResourceNotAvailable',
  FetchingResourceFailed: 'FetchingResourceFailed',
  IncompleteResourceMeta: 'IncompleteResourceMeta',
  StatusFeedbackSynced: 'StatusFeedbackSynced',
  NoStatusFeedbackSynced: 'NoStatusFeedbackSynced',
  StatusFeedbackSyncFailed: 'StatusFeedbackSyncFailed',
} as const;
export type WorkReason = (typeof WORK_REASON)[keyof typeof WORK_REASON];

/** `deleteOption.propagationPolicy` values. */
export const PROPAGATION_POLICY = {
  Foreground: 'Foreground',
  Orphan: 'Orphan',
  SelectivelyOrphan: 'SelectivelyOrphan',
} as const;

/** `manifestConfigs[].updateStrategy.type` values. */
export const UPDATE_STRATEGY = {
  Update: 'Update',
  CreateOnly: 'CreateOnly',
  ServerSideApply: 'ServerSideApply',
  ReadOnly: 'ReadOnly',
} as const;
export type UpdateStrategyType = (typeof UPDATE_STRATEGY)[keyof typeof UPDATE_STRATEGY];
