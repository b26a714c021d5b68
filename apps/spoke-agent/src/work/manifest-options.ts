import type { FeedbackRule, ManifestConfigOption, ManifestWorkSpec } from '@kmm-hub/api';
import { PROPAGATION_POLICY, UPDATE_STRATEGY } from './work-conditions.js';

/** What `manifestConfigs` and `deleteOption` match on: OCM's resource identifier. */
export interface ResourceIdentity {
  /** API group, `''` for the core group. */
  readonly group: string;
  /** Plural lowercase resource name, e.g. `modules`. */
  readonly resource: string;
  /** `''` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export type UpdateStrategy = NonNullable<ManifestConfigOption['updateStrategy']>;

export interface ManifestOptions {
  readonly feedbackRules?: readonly FeedbackRule[];
  readonly updateStrategy: UpdateStrategy;
}

/** OCM resource-identifier globbing: `*` matches any run of characters (also none); everything else is literal. */
export function matchesGlob(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

function matches(option: ManifestConfigOption, id: ResourceIdentity): boolean {
  const r = option.resourceIdentifier;
  return (
    (r.group ?? '') === id.group &&
    r.resource === id.resource &&
    matchesGlob(r.namespace ?? '', id.namespace) &&
    matchesGlob(r.name, id.name)
  );
}

/**
 * The options of one manifest, with OCM's quirk (`FindManifestConfiguration`): configs are scanned in order and,
 * for each of `feedbackRules` and `updateStrategy`, the first matching config that sets it wins. Without one the
 * strategy is `Update`.
 */
export function findManifestOptions(
  configs: readonly ManifestConfigOption[] | undefined,
  id: ResourceIdentity,
): ManifestOptions {
  let feedbackRules: readonly FeedbackRule[] | undefined;
  let updateStrategy: UpdateStrategy | undefined;
  for (const option of configs ?? []) {
    if (!matches(option, id)) continue;
    if (feedbackRules === undefined && option.feedbackRules !== undefined && option.feedbackRules.length > 0) {
      feedbackRules = option.feedbackRules;
    }
    updateStrategy ??= option.updateStrategy;
  }
  return {
    ...(feedbackRules !== undefined && { feedbackRules }),
    updateStrategy: updateStrategy ?? { type: UPDATE_STRATEGY.Update },
  };
}

/**
 * Whether the work owns (and so deletes) a resource it applies (`OwnedByTheWork` in open-cluster-management-io/ocm
 * pkg/work/helper/helpers.go): Foreground (the default) owns all,
 * Orphan none, SelectivelyOrphan all but the exact matches of `orphaningRules`. ReadOnly resources are never owned.
 */
export function isOwnedByWork(
  deleteOption: ManifestWorkSpec['deleteOption'],
  id: ResourceIdentity,
  strategy: UpdateStrategy,
): boolean {
  if (strategy.type === UPDATE_STRATEGY.ReadOnly) return false;
  switch (deleteOption?.propagationPolicy ?? PROPAGATION_POLICY.Foreground) {
    case PROPAGATION_POLICY.Orphan:
      return false;
    case PROPAGATION_POLICY.SelectivelyOrphan:
      return !(deleteOption?.selectivelyOrphans?.orphaningRules ?? []).some(
        (rule) =>
          (rule.group ?? '') === id.group &&
          rule.resource === id.resource &&
          (rule.namespace ?? '') === id.namespace &&
          rule.name === id.name,
      );
    default:
      return true;
  }
}
