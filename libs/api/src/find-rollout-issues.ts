// The rules of spec.rollout. The CRD's schema and CEL rules refuse most of them already; these give the same
// verdicts with the field path and offending value for the hub's Valid condition and webhook, and add the rules CEL
// cannot state cheaply (durations compared with each other, label syntax, duplicate groups).
import { checkLabelKey, checkLabelValue } from './kubernetes-names.js';
import {
  parseCountOrPercent,
  parseRolloutDuration,
  ROLLOUT_TYPES,
  type RolloutConfig,
  type RolloutStrategy,
} from './rollout-values.js';
import type { ValidationIssue } from './validation-result.js';

export function findRolloutIssues(rollout: RolloutStrategy, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const type = rollout.type ?? 'All';
  if (!(ROLLOUT_TYPES as readonly string[]).includes(type)) {
    issues.push({ path: `${path}.type`, message: `must be one of ${ROLLOUT_TYPES.join(', ')}, found "${type}"` });
  }
  if (rollout.progressive && type !== 'Progressive') {
    issues.push({ path: `${path}.progressive`, message: `may only be set when type is Progressive, found ${type}` });
  }
  if (rollout.progressivePerGroup && type !== 'ProgressivePerGroup') {
    issues.push({
      path: `${path}.progressivePerGroup`,
      message: `may only be set when type is ProgressivePerGroup, found ${type}`,
    });
  }

  const config = rollout.progressive ?? rollout.progressivePerGroup;
  const configPath = `${path}.${rollout.progressive ? 'progressive' : 'progressivePerGroup'}`;
  const groupLabel = rollout.groupLabel ?? '';
  if (groupLabel === '') {
    if (type === 'ProgressivePerGroup') {
      issues.push({ path: `${path}.groupLabel`, message: 'required when type is ProgressivePerGroup' });
    } else if ((config?.mandatoryDecisionGroups ?? []).length > 0) {
      issues.push({
        path: `${path}.groupLabel`,
        message: `required when ${configPath}.mandatoryDecisionGroups is set: it names the cluster label whose values are the groups`,
      });
    }
  } else {
    const errors = checkLabelKey(groupLabel);
    if (errors.length > 0) {
      issues.push({ path: `${path}.groupLabel`, message: `"${groupLabel}" is not a label key: ${errors.join('; ')}` });
    }
  }

  const maxConcurrency = rollout.progressive?.maxConcurrency;
  if (maxConcurrency !== undefined) {
    const parsed = parseCountOrPercent(maxConcurrency);
    if (!parsed || ('count' in parsed ? parsed.count : parsed.percent) < 1) {
      issues.push({
        path: `${path}.progressive.maxConcurrency`,
        message: `must be a number of clusters (1 or more) or a percentage from 1% to 100%, found ${JSON.stringify(maxConcurrency)}`,
      });
    }
  }
  if (rollout.progressive) issues.push(...findConfigIssues(rollout.progressive, `${path}.progressive`));
  if (rollout.progressivePerGroup) {
    issues.push(...findConfigIssues(rollout.progressivePerGroup, `${path}.progressivePerGroup`));
  }
  return issues;
}

function findConfigIssues(config: RolloutConfig, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const minSuccessTime = config.minSuccessTime ?? '0';
  const minSuccessMs = parseRolloutDuration(minSuccessTime);
  if (minSuccessMs === undefined) {
    issues.push({
      path: `${path}.minSuccessTime`,
      message: `must be 0 or a duration in whole hours, minutes and seconds (90s, 1h30m), found "${minSuccessTime}"`,
    });
  }
  const progressDeadline = config.progressDeadline ?? 'None';
  if (progressDeadline !== 'None') {
    const deadlineMs = parseRolloutDuration(progressDeadline);
    if (deadlineMs === undefined || progressDeadline === '0') {
      issues.push({
        path: `${path}.progressDeadline`,
        message: `must be None or a duration in whole hours, minutes and seconds (90s, 1h30m), found "${progressDeadline}"`,
      });
    } else if (minSuccessMs !== undefined && deadlineMs <= minSuccessMs) {
      issues.push({
        path: `${path}.progressDeadline`,
        message: `must be longer than minSuccessTime ("${minSuccessTime}"), found "${progressDeadline}": a cluster must be Available for minSuccessTime before its deadline`,
      });
    }
  }
  if (config.maxFailures !== undefined && !parseCountOrPercent(config.maxFailures)) {
    issues.push({
      path: `${path}.maxFailures`,
      message: `must be a number of clusters (0 or more) or a percentage from 0% to 100%, found ${JSON.stringify(config.maxFailures)}`,
    });
  }
  const seen = new Set<string>();
  for (const [index, group] of (config.mandatoryDecisionGroups ?? []).entries()) {
    const at = `${path}.mandatoryDecisionGroups[${index}]`;
    if (group.groupIndex !== undefined) {
      issues.push({
        path: `${at}.groupIndex`,
        message: `is not supported, found ${group.groupIndex}: groups are values of rollout.groupLabel, name them with groupName`,
      });
    }
    const name = group.groupName ?? '';
    if (name === '') {
      issues.push({ path: `${at}.groupName`, message: 'required: a value of rollout.groupLabel' });
      continue;
    }
    const errors = checkLabelValue(name);
    if (errors.length > 0) {
      issues.push({ path: `${at}.groupName`, message: `"${name}" is not a label value: ${errors.join('; ')}` });
    }
    if (seen.has(name)) issues.push({ path: `${at}.groupName`, message: `duplicate group "${name}"` });
    seen.add(name);
  }
  return issues;
}
