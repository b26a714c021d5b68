import { describe, expect, it } from 'vitest';
import {
  InvalidImageReferenceError,
  checkImageReference,
  formatImageReference,
  manifestReference,
  parseImageReference,
  registryApiHost,
  withDigest,
} from './image-reference.js';

const D256 = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'b'.repeat(128)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['index.docker.io/library/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    [
      'quay.io/kmm/driver:5.14.0-427.13.1.el9_4.x86_64',
      { registry: 'quay.io', repository: 'kmm/driver', tag: '5.14.0-427.13.1.el9_4.x86_64' },
    ],
    ['127.0.0.1:5000/kmm/hello:v1', { registry: '127.0.0.1:5000', repository: 'kmm/hello', tag: 'v1' }],
    ['localhost/hello', { registry: 'localhost', repository: 'hello' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['[::1]:5000/kmm/hello', { registry: '[::1]:5000', repository: 'kmm/hello' }],
    ['Registry/x', { registry: 'Registry', repository: 'x' }],
    [`quay.io/kmm/driver@${D256}`, { registry: 'quay.io', repository: 'kmm/driver', digest: D256 }],
    [`quay.io/kmm/driver:v1@${D256}`, { registry: 'quay.io', repository: 'kmm/driver', tag: 'v1', digest: D256 }],
    [`kmm/driver@${D512}`, { registry: 'docker.io', repository: 'kmm/driver', digest: D512 }],
    ['reg.example.com/a__b/c-d/e.f/g--h', { registry: 'reg.example.com', repository: 'a__b/c-d/e.f/g--h' }],
  ])('parses %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ['', 'reference is empty'],
    ['quay.io/kmm/driver ', 'reference contains whitespace'],
    ['https://quay.io/kmm/driver', 'reference must not contain a URL scheme'],
    ['quay.io/kmm/Driver:v1', 'repository "kmm/Driver" must be lower-case'],
    ['quay.io/kmm/driver:', 'tag is empty'],
    ['quay.io/kmm/driver:6.1.0+rt', 'tag "6.1.0+rt" is invalid'],
    ['quay.io/kmm/driver:-v1', 'tag "-v1" is invalid'],
    [`quay.io/kmm/driver:${'v'.repeat(129)}`, 'tag is 129 characters long, at most 128 are allowed'],
    ['quay.io/kmm/driver@sha256:abc', 'must be sha256: followed by 64 lower-case hex digits'],
    [`quay.io/kmm/driver@sha256:${'A'.repeat(64)}`, 'must be sha256: followed by 64 lower-case hex digits'],
    [`quay.io/kmm/driver@md5:${'a'.repeat(32)}`, 'digest algorithm "md5" is not supported'],
    ['quay.io/kmm/driver@latest', 'digest "latest" is not of the form <algorithm>:<hex>'],
    ['quay.io//driver', 'repository "/driver" has an empty path component'],
    ['quay.io/kmm/-driver', 'repository path component "-driver" is invalid'],
    ['quay.io/kmm/dri..ver', 'repository path component "dri..ver" is invalid'],
    ['quay.io/', 'repository name is empty'],
    ['reg_x.io/kmm/driver', 'registry host "reg_x.io" has an invalid component "reg_x"'],
    ['reg.io:99999/kmm/driver', 'registry port "99999" is not a number between 0 and 65535'],
    ['reg.io:http/kmm/driver', 'registry port "http" is not a number between 0 and 65535'],
    [`reg.io/${'a'.repeat(250)}`, 'name is 257 characters long, at most 255 are allowed'],
  ])('rejects %j: %s', (text, reason) => {
    expect(() => parseImageReference(text)).toThrow(InvalidImageReferenceError);
    expect(() => parseImageReference(text)).toThrow(reason);
  });
});

describe('checkImageReference', () => {
  it('returns the issue instead of throwing', () => {
    expect(checkImageReference('quay.io/kmm/Driver')).toEqual({
      ok: false,
      issues: ['repository "kmm/Driver" must be lower-case'],
    });
    expect(checkImageReference('quay.io/kmm/driver')).toEqual({
      ok: true,
      value: { registry: 'quay.io', repository: 'kmm/driver' },
    });
  });
});

describe('formatImageReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['127.0.0.1:5000/kmm/hello:v1', '127.0.0.1:5000/kmm/hello:v1'],
    [`quay.io/kmm/driver:v1@${D256}`, `quay.io/kmm/driver:v1@${D256}`],
  ])('formats %s as %s', (text, expected) => {
    expect(formatImageReference(parseImageReference(text))).toBe(expected);
  });
});

describe('withDigest', () => {
  it.each([
    ['127.0.0.1:5000/kmm/hello:v1', `127.0.0.1:5000/kmm/hello@${D256}`],
    [`quay.io/kmm/driver:v1@${D512}`, `quay.io/kmm/driver@${D256}`],
    ['nginx:1.25', `docker.io/library/nginx@${D256}`],
  ])('pins %s', (text, expected) => {
    expect(withDigest(text, D256)).toBe(expected);
    expect(withDigest(parseImageReference(text), D256)).toBe(expected);
  });

  it('refuses something that is not a digest', () => {
    expect(() => withDigest('quay.io/kmm/driver:v1', 'v2')).toThrow('"v2" is not a sha256 or sha512 digest');
  });
});

describe('manifestReference', () => {
  it.each([
    ['quay.io/kmm/driver', 'latest'],
    ['quay.io/kmm/driver:v1', 'v1'],
    [`quay.io/kmm/driver:v1@${D256}`, D256],
  ])('uses %s → %s', (text, expected) => {
    expect(manifestReference(parseImageReference(text))).toBe(expected);
  });
});

describe('registryApiHost', () => {
  it('sends docker.io to registry-1.docker.io and leaves others alone', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});
