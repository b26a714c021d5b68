import { describe, expect, it } from 'vitest';
import type { Descriptor, ImageIndex } from './manifest.js';
import { formatPlatform, parsePlatform, platformMatches, selectPlatformManifest } from './platform.js';

const entry = (n: number, architecture: string, variant?: string, os = 'linux'): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  platform: variant === undefined ? { os, architecture } : { os, architecture, variant },
});

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
  ])('parses %s', (text, expected) => {
    expect(parsePlatform(text)).toEqual(expected);
    expect(formatPlatform(expected)).toBe(text);
  });

  it.each(['linux', 'linux/', '/amd64', 'a/b/c/d'])('rejects %j', (text) => {
    expect(() => parsePlatform(text)).toThrow('must be os/architecture[/variant]');
  });
});

describe('platformMatches', () => {
  it.each([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64', true],
    [{ os: 'linux', architecture: 'amd64' }, 'linux/arm64', false],
    [{ os: 'windows', architecture: 'amd64' }, 'linux/amd64', false],
    [{ os: 'linux', architecture: 'arm64' }, 'linux/arm64/v8', true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64', true],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm', false],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm', true],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64', true],
    [undefined, 'linux/amd64', false],
  ])('%j for %s is %s', (candidate, wanted, expected) => {
    expect(platformMatches(candidate, parsePlatform(wanted))).toBe(expected);
  });
});

describe('selectPlatformManifest', () => {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      entry(1, 'unknown', undefined, 'unknown'),
      entry(2, 'arm64'),
      entry(3, 'arm64', 'v8'),
      entry(4, 'amd64'),
    ],
  };

  it('picks the entry for the platform', () => {
    expect(selectPlatformManifest(index, parsePlatform('linux/amd64'))?.size).toBe(104);
  });

  it('prefers the exact variant, then the first compatible entry', () => {
    expect(selectPlatformManifest(index, parsePlatform('linux/arm64/v8'))?.size).toBe(103);
    expect(selectPlatformManifest(index, parsePlatform('linux/arm64'))?.size).toBe(102);
  });

  it('gives undefined when nothing fits', () => {
    expect(selectPlatformManifest(index, parsePlatform('linux/s390x'))).toBeUndefined();
  });
});
