import { describe, expect, it } from 'vitest';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './kubernetes-names.js';

// Messages copied from a kube-apiserver v1.35 rejection, so the ports are proven to say what the server says.
const LABEL_NAME_REGEX_ERROR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN_REGEX_ERROR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('checkLabelKey', () => {
  it.each([
    ['name', 'node-role.kubernetes.io/worker'],
    ['short', 'a'],
    ['mixed case and underscore', 'My_Key.1'],
    ['63-byte name', 'a'.repeat(63)],
  ])('accepts a %s', (_, sut) => {
    expect(checkLabelKey(sut)).toEqual([]);
  });

  it.each([
    ['an empty key', '', ['name part must be non-empty', LABEL_NAME_REGEX_ERROR]],
    ['an empty prefix', '/name', ['prefix part must be non-empty']],
    ['an upper-case prefix', 'Example.com/name', [`prefix part ${SUBDOMAIN_REGEX_ERROR}`]],
    ['a 64-byte name', 'a'.repeat(64), ['name part must be no more than 63 bytes']],
    ['a name ending with a dash', 'key-', [LABEL_NAME_REGEX_ERROR]],
    [
      'two slashes',
      'a/b/c',
      [
        "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    ],
  ])('rejects %s', (_, sut, expected) => {
    expect(checkLabelKey(sut)).toEqual(expected);
  });
});

describe('checkLabelValue', () => {
  it.each([[''], ['minikube'], ['a.b_c-d'], ['x'.repeat(63)]])('accepts %j', (sut) => {
    expect(checkLabelValue(sut)).toEqual([]);
  });

  it.each([
    ['x'.repeat(64), 'must be no more than 63 bytes'],
    ['-x', 'a valid label must be an empty string'],
    ['a b', 'a valid label must be an empty string'],
  ])('rejects %j', (sut, expected) => {
    expect(checkLabelValue(sut).join('; ')).toContain(expected);
  });
});

describe('checkDns1123Label', () => {
  it.each([['kmm-operator-system'], ['a'], ['0abc']])('accepts %j', (sut) => {
    expect(checkDns1123Label(sut)).toEqual([]);
  });

  it.each([
    ['my.namespace', ['must not contain dots']],
    ['x'.repeat(64), ['must be no more than 63 bytes']],
    [
      'Kmm',
      [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
  ])('rejects %j', (sut, expected) => {
    expect(checkDns1123Label(sut)).toEqual(expected);
  });
});

describe('checkDns1123Subdomain', () => {
  it.each([['gpu.example.com'], ['kmm-ci-test-device']])('accepts %j', (sut) => {
    expect(checkDns1123Subdomain(sut)).toEqual([]);
  });

  it.each([
    ['Gpu.example.com', [SUBDOMAIN_REGEX_ERROR]],
    ['a..b', [SUBDOMAIN_REGEX_ERROR]],
    [`${'a'.repeat(250)}.com`, ['must be no more than 253 bytes']],
  ])('rejects %j', (sut, expected) => {
    expect(checkDns1123Subdomain(sut)).toEqual(expected);
  });
});
