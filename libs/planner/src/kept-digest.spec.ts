import { describe, expect, it } from 'vitest';
import { keptDigest } from './kept-digest.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('keptDigest', () => {
  it.each([
    ['the same repository under its tag', `reg.test/gpu@${DIGEST}`, 'reg.test/gpu:6.1.0-56-amd64', DIGEST],
    ['a repository with a port and a path, untagged', `reg.test:5000/a/gpu@${DIGEST}`, 'reg.test:5000/a/gpu', DIGEST],
    ['another repository', `reg.test/gpu@${DIGEST}`, 'reg.test/other:6.1.0-56-amd64', undefined],
    ['another registry', `reg.test/gpu@${DIGEST}`, 'mirror.test/gpu:6.1.0-56-amd64', undefined],
    ['nothing published', undefined, 'reg.test/gpu:6.1.0-56-amd64', undefined],
    ['a pinned image whose digest is not one', 'reg.test/gpu@sha256:nope', 'reg.test/gpu:v1', undefined],
    ['an image reference that does not parse', `reg.test/gpu@${DIGEST}`, 'reg.test/GPU:::', undefined],
  ])('keeps the digest for %s', (_case, pinned, image, expected) => {
    expect(keptDigest(pinned, image)).toBe(expected);
  });
});
