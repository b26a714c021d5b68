import type { ManagedCluster } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { kernelsOfCluster, parseKernelClaim } from './parse-kernel-claim.js';

describe('parseKernelClaim', () => {
  it.each([
    [
      'a claim as upstream writes it',
      '5.14.0-284.el9.x86_64\n6.1.0-13-amd64',
      ['5.14.0-284.el9.x86_64', '6.1.0-13-amd64'],
    ],
    ['a single kernel', '6.1.0-13-amd64', ['6.1.0-13-amd64']],
    ['an unsorted claim', '6.1.0\n5.14.0\n5.10.0', ['5.10.0', '5.14.0', '6.1.0']],
    ['a trailing + kept by the spoke', '6.1.21-v8+\n6.1.21-v7l+', ['6.1.21-v7l', '6.1.21-v8']],
    ['kernels equal after the + is removed', '6.1.21-v8+\n6.1.21-v8', ['6.1.21-v8']],
    ['duplicates', '5.14.0\n5.14.0', ['5.14.0']],
    ['CRLF, blanks and padding', ' 5.14.0 \r\n\r\n\n6.1.0\r\n', ['5.14.0', '6.1.0']],
    ['an empty claim', '', []],
    ['only blank lines and a lone +', '\n  \n+\n', []],
    ['byte order, not locale order', 'b.1.1\nB.1.1\na.1.1', ['B.1.1', 'a.1.1', 'b.1.1']],
  ])('parses %s', (_name, value, expected) => {
    expect(parseKernelClaim(value)).toEqual(expected);
  });
});

function newCluster(claims: { name?: string; value?: string }[] | undefined): ManagedCluster {
  return {
    apiVersion: 'cluster.open-cluster-management.io/v1',
    kind: 'ManagedCluster',
    metadata: { name: 'edge-1' },
    spec: { hubAcceptsClient: true },
    ...(claims !== undefined && { status: { clusterClaims: claims } }),
  };
}

describe('kernelsOfCluster', () => {
  it.each<[string, { name?: string; value?: string }[] | undefined, string[] | undefined]>([
    [
      'the kernel claim',
      [
        { name: 'id.k8s.io', value: 'abc' },
        { name: 'kernel-versions.kmm.node.kubernetes.io', value: '6.1.0-13-amd64\n5.14.0-284.el9.x86_64+' },
      ],
      ['5.14.0-284.el9.x86_64', '6.1.0-13-amd64'],
    ],
    ['no claim', [{ name: 'id.k8s.io', value: 'abc' }], undefined],
    ['no status', undefined, undefined],
    ['a claim without value', [{ name: 'kernel-versions.kmm.node.kubernetes.io' }], []],
  ])('reads %s', (_name, claims, expected) => {
    expect(kernelsOfCluster(newCluster(claims))).toEqual(expected);
  });
});
