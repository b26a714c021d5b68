import type { ClusterDeliveryStatus } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { transitionEvents, type PlannedEvent, type TransitionEventsInput } from './transition-events.js';

const c = (name: string, state: ClusterDeliveryStatus['state'], reason?: string, message?: string) =>
  ({ name, state, ...(reason && { reason }), ...(message && { message }) }) as ClusterDeliveryStatus;
const many = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('transitionEvents', () => {
  it.each<[string, TransitionEventsInput, PlannedEvent[]]>([
    [
      'nothing changed, nothing written: no Event',
      { previous: { clusters: [c('a', 'Ready')] }, clusters: [c('a', 'Ready')], applied: [] },
      [],
    ],
    [
      'ManifestWorks written: one Event naming the clusters',
      { previous: undefined, clusters: [], applied: ['a', 'b'] },
      [{ type: 'Normal', reason: 'ManifestWorkApplied', message: 'ManifestWork written for 2 clusters: a, b' }],
    ],
    [
      'many written: the first ten and how many more',
      { previous: undefined, clusters: [], applied: many(12) },
      [
        {
          type: 'Normal',
          reason: 'ManifestWorkApplied',
          message: `ManifestWork written for 12 clusters: ${many(10).join(', ')} and 2 more`,
        },
      ],
    ],
    [
      'one cluster degraded: a Warning with its reason and message',
      {
        previous: { clusters: [c('a', 'Ready')] },
        clusters: [c('a', 'Degraded', 'ApplyFailed', 'forbidden')],
        applied: [],
      },
      [{ type: 'Warning', reason: 'ApplyFailed', message: 'cluster a: forbidden' }],
    ],
    [
      'several degraded: counted, named, and the first one explained',
      {
        previous: undefined,
        clusters: [c('a', 'Degraded', 'ImagesFailed', 'no image'), c('b', 'Degraded', 'ApplyFailed', 'x')],
        applied: [],
      },
      [{ type: 'Warning', reason: 'ImagesFailed', message: '2 clusters degraded: a, b; a: no image' }],
    ],
    [
      'degraded without a reason: reason Degraded',
      { previous: undefined, clusters: [c('a', 'Degraded')], applied: [] },
      [{ type: 'Warning', reason: 'Degraded', message: 'cluster a: ' }],
    ],
    [
      'clusters became Ready: one Event; those Ready before are not named again',
      {
        previous: { clusters: [c('a', 'Ready'), c('b', 'Progressing')] },
        clusters: [c('a', 'Ready'), c('b', 'Ready')],
        applied: [],
      },
      [{ type: 'Normal', reason: 'ClusterReady', message: '1 clusters ready: b' }],
    ],
    [
      'written, degraded and ready at once: in that order',
      { previous: undefined, clusters: [c('a', 'Ready'), c('b', 'Degraded', 'R', 'm')], applied: ['a'] },
      [
        { type: 'Normal', reason: 'ManifestWorkApplied', message: 'ManifestWork written for 1 clusters: a' },
        { type: 'Warning', reason: 'R', message: 'cluster b: m' },
        { type: 'Normal', reason: 'ClusterReady', message: '1 clusters ready: a' },
      ],
    ],
  ])('%s', (_, input, expected) => {
    expect(transitionEvents(input)).toEqual(expected);
  });
});
