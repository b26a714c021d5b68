import { LIMITS } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { parseKernelClaim } from './parse-kernel-claim.js';
import { renderKernelClaim } from './render-kernel-claim.js';

describe('renderKernelClaim', () => {
  it.each<[string, string[], string]>([
    ['one node', ['5.14.0-284.el9.x86_64'], '5.14.0-284.el9.x86_64'],
    ['unique and sorted by code unit', ['6.1.0', '5.14.0', '6.1.0', 'B.1.1', 'a.1.1'], '5.14.0\n6.1.0\nB.1.1\na.1.1'],
    ['the trailing + kept, as upstream writes it', ['6.1.21-v8+', '6.1.21-v7l+'], '6.1.21-v7l+\n6.1.21-v8+'],
    ['nodes that report no kernel yet', ['', '6.1.0', ''], '6.1.0'],
    ['no node', [], ''],
  ])('renders %s', (_name, nodes, value) => {
    const sut = renderKernelClaim(nodes);
    expect(sut.value).toBe(value);
    expect(sut.omitted).toEqual([]);
  });

  it('keeps what fits the OCM limit, most-used kernels first, and names what it cut', () => {
    // 60 kernels of 21 characters need 60·22−1 = 1319 characters; 46 fit in 1024 (46·22−1 = 1011).
    const kernels = Array.from({ length: 60 }, (_, i) => `5.14.0-${String(i).padStart(3, '0')}.el9.x86_64`);
    const popular = kernels[59] as string;
    const sut = renderKernelClaim([...kernels, popular, popular]);
    expect(sut.value.length).toBeLessThanOrEqual(LIMITS.clusterClaimValue);
    expect(sut.kernels).toHaveLength(46);
    expect(sut.kernels).toContain(popular);
    expect(sut.omitted).toHaveLength(14);
    expect(sut.omitted).toEqual(kernels.slice(45, 59));
    expect(parseKernelClaim(sut.value)).toEqual(sut.kernels);
  });

  it('fills exactly up to the limit', () => {
    const sut = renderKernelClaim(['aaaa', 'bbbb', 'cccc'], 9);
    expect(sut).toEqual({ value: 'aaaa\nbbbb', kernels: ['aaaa', 'bbbb'], omitted: ['cccc'] });
  });
});
