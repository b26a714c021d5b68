import { describe, expect, it } from 'vitest';
import { nextLink, withDigestParam } from './registry.client.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('withDigestParam', () => {
  it.each([
    ['http://r/v2/x/blobs/uploads/abc', `http://r/v2/x/blobs/uploads/abc?digest=sha256%3A${'a'.repeat(64)}`],
    [
      'http://r/v2/x/blobs/uploads/abc?_state=s%3D',
      `http://r/v2/x/blobs/uploads/abc?_state=s%3D&digest=sha256%3A${'a'.repeat(64)}`,
    ],
  ])('completes %s', (url, expected) => {
    expect(withDigestParam(url, DIGEST)).toBe(expected);
  });
});

describe('nextLink', () => {
  it.each([
    ['</v2/x/tags/list?last=b&n=2>; rel="next"', '/v2/x/tags/list?last=b&n=2'],
    ['<https://r/a>; rel="prev", <https://r/b>; rel=next', 'https://r/b'],
    ['<https://r/a>; rel="prev"', undefined],
    [null, undefined],
  ])('finds the next page in %j', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
