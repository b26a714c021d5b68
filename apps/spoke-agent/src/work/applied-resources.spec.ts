import { describe, expect, it } from 'vitest';
import {
  appliedResourceKey,
  planAppliedResources,
  sameAppliedResources,
  type AppliedResource,
} from './applied-resources.js';

const cm = (name: string, uid = `${name}-uid`): AppliedResource => ({
  group: '',
  version: 'v1',
  resource: 'configmaps',
  namespace: 'n',
  name,
  uid,
});
const key = (r: AppliedResource) => appliedResourceKey(r);

describe('planAppliedResources', () => {
  it('records this pass, drops what the work no longer lists, sorted', () => {
    const sut = planAppliedResources({
      previous: [cm('b'), cm('a')],
      applied: [cm('c'), cm('a')],
      listed: new Set([key(cm('a')), key(cm('c'))]),
      complete: true,
    });
    expect(sut.next.map((r) => r.name)).toEqual(['a', 'c']);
    expect(sut.dropped.map((r) => r.name)).toEqual(['b']);
  });

  it('keeps the entry of a listed manifest whose apply failed', () => {
    const sut = planAppliedResources({
      previous: [cm('a')],
      applied: [],
      listed: new Set([key(cm('a'))]),
      complete: true,
    });
    expect(sut).toEqual({ next: [cm('a')], dropped: [] });
  });

  it('drops nothing while a manifest could not be identified', () => {
    const sut = planAppliedResources({ previous: [cm('a'), cm('b')], applied: [], listed: new Set(), complete: false });
    expect(sut.dropped).toEqual([]);
    expect(sut.next.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('takes the new uid of a recreated object', () => {
    expect(
      planAppliedResources({
        previous: [cm('a', 'old')],
        applied: [cm('a', 'new')],
        listed: new Set([key(cm('a'))]),
        complete: true,
      }).next,
    ).toEqual([cm('a', 'new')]);
  });
});

describe('sameAppliedResources', () => {
  it('compares keys, versions and uids in order', () => {
    expect(sameAppliedResources([cm('a')], [cm('a')])).toBe(true);
    expect(sameAppliedResources([cm('a')], [cm('a', 'x')])).toBe(false);
    expect(sameAppliedResources(undefined, [])).toBe(true);
  });
});
