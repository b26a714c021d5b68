import type { FeedbackRule, FeedbackValue } from '@kmm-hub/api';
import { evaluateJsonPath } from './json-path.js';

export interface StatusFeedback {
  /** Values in rule order, one per name (the first wins). */
  readonly values: FeedbackValue[];
  /** One line per rule or path that failed; the manifest's StatusFeedbackSynced is then False. */
  readonly errors: string[];
}

interface NamedPath {
  readonly name: string;
  readonly path: string;
  readonly version?: string;
}

/** OCM's WellKnownStatus rules (`statusfeedback/rules/rule.go`), by exact group/version/kind. */
const WELL_KNOWN_STATUS: Readonly<Record<string, readonly NamedPath[]>> = {
  'apps/v1/Deployment': [
    { name: 'ReadyReplicas', path: '.status.readyReplicas' },
    { name: 'Replicas', path: '.status.replicas' },
    { name: 'AvailableReplicas', path: '.status.availableReplicas' },
  ],
  'apps/v1/DaemonSet': [
    { name: 'NumberReady', path: '.status.numberReady' },
    { name: 'DesiredNumberScheduled', path: '.status.desiredNumberScheduled' },
    { name: 'NumberAvailable', path: '.status.numberAvailable' },
  ],
  'batch/v1/Job': [
    { name: 'JobComplete', path: '.status.conditions[?(@.type=="Complete")].status' },
    { name: 'JobSucceeded', path: '.status.succeeded' },
  ],
  '/v1/Pod': [
    { name: 'PodReady', path: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'PodPhase', path: '.status.phase' },
  ],
};

/**
 * Status feedback of one applied object, typed as OCM types it (open-cluster-management-io/ocm
 * pkg/work/spoke/statusfeedback/reader.go, gate RawFeedbackJsonString off):
 * integral numbers are Integer, strings String, booleans Boolean; a float, a map or a list is an error, as is a path
 * matching several items. A missing field is left out silently. `version` on a JSONPath must equal the object's.
 */
export function collectStatusFeedback(
  object: unknown,
  rules: readonly FeedbackRule[] | undefined,
  target: { readonly group: string; readonly version: string; readonly kind: string },
): StatusFeedback {
  const values: FeedbackValue[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const rule of rules ?? []) {
    let paths: readonly NamedPath[];
    if (rule.type === 'WellKnownStatus') {
      const known = WELL_KNOWN_STATUS[`${target.group}/${target.version}/${target.kind}`];
      if (known === undefined) {
        errors.push(`cannot find the wellknown statuses for ${target.kind}`);
        continue;
      }
      paths = known;
    } else {
      paths = rule.jsonPaths ?? [];
    }
    for (const p of paths) {
      if (seen.has(p.name)) continue;
      if (p.version !== undefined && p.version !== '' && p.version !== target.version) {
        errors.push(`${p.name}: version ${p.version} does not match the resource version ${target.version}`);
        continue;
      }
      const result = evaluateJsonPath(p.path, object);
      if (!result.ok) {
        errors.push(`${p.name}: invalid path ${p.path}: ${result.reason}`);
        continue;
      }
      if (result.values.length === 0) continue;
      if (result.values.length > 1) {
        errors.push(`${p.name}: ${p.path} matches ${result.values.length} values, only one is supported`);
        continue;
      }
      const typed = toFieldValue(result.values[0]);
      if (typeof typed === 'string') {
        errors.push(`${p.name}: ${typed}`);
        continue;
      }
      seen.add(p.name);
      values.push({ name: p.name, fieldValue: typed });
    }
  }
  return { values, errors };
}

function toFieldValue(value: unknown): FeedbackValue['fieldValue'] | string {
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? { type: 'Integer', integer: value } : 'the type float64 is not supported';
    case 'string':
      return { type: 'String', string: value };
    case 'boolean':
      return { type: 'Boolean', boolean: value };
    default:
      return `the type ${value === null ? 'null' : Array.isArray(value) ? 'list' : 'map'} is not supported`;
  }
}
