import { describe, expect, it } from 'vitest';
import { KubeApiError } from './kube-http.js';
import {
  BUILTIN_RESOURCES,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  type ObjectLocation,
  type ResourceDescriptor,
} from './resource-client.js';

const WORK: ResourceDescriptor = {
  group: 'work.open-cluster-management.io',
  version: 'v1',
  plural: 'manifestworks',
  namespaced: true,
  kind: 'ManifestWork',
};
const CLUSTER: ResourceDescriptor = { ...WORK, plural: 'appliedmanifestworks', namespaced: false };

describe(resourcePath.name, () => {
  it.each<[ResourceDescriptor, ObjectLocation, string]>([
    [BUILTIN_RESOURCES.Node, {}, '/api/v1/nodes'],
    [BUILTIN_RESOURCES.Node, { name: 'n1', namespace: 'ignored' }, '/api/v1/nodes/n1'],
    [BUILTIN_RESOURCES.Secret, {}, '/api/v1/secrets'],
    [BUILTIN_RESOURCES.Secret, { namespace: 'ns' }, '/api/v1/namespaces/ns/secrets'],
    [BUILTIN_RESOURCES.Pod, { namespace: 'ns', name: 'p', subresource: 'log' }, '/api/v1/namespaces/ns/pods/p/log'],
    [BUILTIN_RESOURCES.Job, { namespace: 'ns' }, '/apis/batch/v1/namespaces/ns/jobs'],
    [
      WORK,
      { namespace: 'c 1', name: 'a/b' },
      '/apis/work.open-cluster-management.io/v1/namespaces/c%201/manifestworks/a%2Fb',
    ],
    [
      WORK,
      { namespace: 'c', name: 'w', subresource: 'status' },
      '/apis/work.open-cluster-management.io/v1/namespaces/c/manifestworks/w/status',
    ],
    [
      CLUSTER,
      { name: 'x', subresource: 'status' },
      '/apis/work.open-cluster-management.io/v1/appliedmanifestworks/x/status',
    ],
  ])('%o at %o is %s', (r, at, expected) => {
    expect(resourcePath(r, at)).toBe(expected);
  });

  it('refuses a namespaced object without a namespace', () => {
    expect(() => resourcePath(WORK, { name: 'w' })).toThrow(/ManifestWork w is namespaced but has no namespace/);
  });
});

describe('API error classes', () => {
  it.each([
    [new KubeApiError(404, 'NotFound', ''), [true, false, false]],
    [new KubeApiError(409, 'Conflict', ''), [false, true, false]],
    [new KubeApiError(409, 'AlreadyExists', ''), [false, false, true]],
    [new KubeApiError(500, 'InternalError', ''), [false, false, false]],
    [new Error('404'), [false, false, false]],
  ])('%o', (err, expected) => {
    expect([isNotFound(err), isConflict(err), isAlreadyExists(err)]).toEqual(expected);
  });
});
