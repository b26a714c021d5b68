import type { ClusterDeliveryStatus } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { clustersChangedTo } from './clusters-changed-to.js';

const c = (name: string, state: ClusterDeliveryStatus['state']): ClusterDeliveryStatus => ({ name, state });
const names = (list: ClusterDeliveryStatus[]) => list.map((x) => x.name);

describe('clustersChangedTo', () => {
  const now = [c('a', 'Ready'), c('b', 'Ready'), c('d', 'Degraded'), c('n', 'Ready')];

  it('names clusters that moved into the state since the last status, and new ones', () => {
    const previous = { clusters: [c('a', 'Ready'), c('b', 'Progressing'), c('d', 'Ready')] };
    expect(names(clustersChangedTo(previous, now, 'Ready'))).toEqual(['b', 'n']);
    expect(names(clustersChangedTo(previous, now, 'Degraded'))).toEqual(['d']);
  });

  it('names every cluster in the state when there was no status yet', () => {
    expect(names(clustersChangedTo(undefined, now, 'Ready'))).toEqual(['a', 'b', 'n']);
  });

  it('takes clusters a size-limited status left out as Ready, so they are not announced again', () => {
    const previous = { clusters: [c('d', 'Degraded')], clustersOmitted: 3 };
    expect(names(clustersChangedTo(previous, now, 'Ready'))).toEqual([]);
    expect(names(clustersChangedTo(previous, now, 'Degraded'))).toEqual([]);
    expect(names(clustersChangedTo(previous, [c('a', 'Degraded')], 'Degraded'))).toEqual(['a']);
  });
});
