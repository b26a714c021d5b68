import { describe, expect, it } from 'vitest';
import { allowsPlainHttp, registrySchemes } from './registry-scheme.js';

// Expected values are what go-containerregistry's pkg/name/registry.go `Registry.Scheme()` returns for the same
// names (http = try https, then http).
describe('allowsPlainHttp', () => {
  it.each([
    ['localhost:5000', true],
    ['localhost:1', true],
    ['localhost', false],
    ['registry.localhost', true],
    ['registry.localhost:5000', true],
    ['a.b.localhost:443', true],
    ['localhost.example.com', false],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.0.0.2:5000', false],
    ['127.0.0.1:123456', false],
    ['::1', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['[::2]:5000', false],
    ['10.0.0.1', true],
    ['10.255.255.255:5000', true],
    ['172.16.0.1:5000', true],
    ['172.31.255.255', true],
    ['172.15.0.1', false],
    ['172.32.0.1', false],
    ['192.168.1.10:5000', true],
    ['192.169.1.10:5000', false],
    ['010.0.0.1', false],
    ['10.0.0.256', false],
    ['100.64.0.1:5000', false],
    ['169.254.1.1:5000', false],
    ['[fd00::1]:5000', false],
    ['registry.local', false],
    ['registry.local:5000', false],
    ['quay.io', false],
    ['docker.io', false],
    ['registry.example.com:5000', false],
    ['8.8.8.8:5000', false],
  ])('%s → %s', (registry, expected) => {
    expect(allowsPlainHttp(registry)).toBe(expected);
  });
});

describe('registrySchemes', () => {
  it.each([
    ['quay.io', false, ['https']],
    ['quay.io', true, ['https', 'http']],
    ['127.0.0.1:5000', false, ['https', 'http']],
    ['192.168.0.5', false, ['https', 'http']],
  ] as const)('%s insecure=%s → %j', (registry, insecure, expected) => {
    expect(registrySchemes(registry, insecure)).toEqual(expected);
  });
});
