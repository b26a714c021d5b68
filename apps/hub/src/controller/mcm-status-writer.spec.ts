import type { ClusterDeliveryStatus, ManagedClusterModule } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import type { HubConfig } from '../config/config.schema.js';
import { ManagedClusterModuleStatusWriter } from './mcm-status-writer.js';

// recordPlanned decides whether a plan changed what the MCM's status would say; it runs once per plan of every
// pair, so it compares values without serialising them. Its collaborators are not used by it.
const writer = () =>
  new ManagedClusterModuleStatusWriter(
    undefined as never,
    undefined as never,
    undefined as never,
    undefined as never,
    {} as HubConfig,
  );
const mcm = { metadata: { name: 'gpu', generation: 1 } } as ManagedClusterModule;
const ready = (digest: string): ClusterDeliveryStatus => ({
  name: 'edge-1',
  state: 'Ready',
  reason: 'Available',
  message: '1 kernels published and applied',
  kernels: [{ kernel: '6.1.0-28-amd64', image: 'reg/gpu:6.1.0-28-amd64', state: 'Ready', digest }],
  manifestWork: { applied: true, available: true },
});

describe('ManagedClusterModuleStatusWriter.recordPlanned', () => {
  it('says changed for a first plan and a different one, not for the same values in a new object', () => {
    const sut = writer();
    expect(sut.recordPlanned(mcm, 'edge-1', ready('sha256:a'))).toBe(true);
    expect(sut.recordPlanned(mcm, 'edge-1', ready('sha256:a'))).toBe(false);
    expect(sut.recordPlanned(mcm, 'edge-1', ready('sha256:b'))).toBe(true);
    expect(sut.hasPlanned('gpu', 'edge-1')).toBe(true);
  });

  it('does not count the order of keys as a change', () => {
    const sut = writer();
    const { name, state, ...rest } = ready('sha256:a');
    sut.recordPlanned(mcm, 'edge-1', ready('sha256:a'));
    expect(sut.recordPlanned(mcm, 'edge-1', { ...rest, state, name } as ClusterDeliveryStatus)).toBe(false);
  });
});
