import { describe, expect, it } from 'vitest';
import type { AppliedManifestWork } from '@kmm-hub/api';
import { appliedWorkName, workKeyOfAppliedWork } from './manifest-work.mapper.js';

const hub = { hubHash: 'h'.repeat(64), agentId: 'h'.repeat(64) };
const applied = (name: string, spec: Partial<NonNullable<AppliedManifestWork['spec']>>) =>
  ({ metadata: { name }, spec: { hubHash: hub.hubHash, manifestWorkName: 'gpu', ...spec } }) as AppliedManifestWork;

describe('workKeyOfAppliedWork', () => {
  it.each<[string, AppliedManifestWork, string | undefined]>([
    ['ours', applied(appliedWorkName(hub.hubHash, 'gpu'), {}), 'gpu'],
    ['ours, agentID explicit', applied(appliedWorkName(hub.hubHash, 'gpu'), { agentID: hub.agentId }), 'gpu'],
    ['another hub', applied(appliedWorkName('x'.repeat(64), 'gpu'), { hubHash: 'x'.repeat(64) }), undefined],
    ['another agent of this hub', applied(appliedWorkName(hub.hubHash, 'gpu'), { agentID: 'other' }), undefined],
  ])('%s → %s', (_name, amw, expected) => {
    expect(workKeyOfAppliedWork(amw, hub)).toBe(expected);
  });
});
