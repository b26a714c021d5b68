import { describe, expect, it } from 'vitest';
import { parseBuildDirName, parseStatStartTime } from './buildah-work-dirs.js';

describe('parseBuildDirName', () => {
  it.each([
    ['kmm-hub-buildah-1234-987654-AbC123', { pid: 1234, startTime: '987654' }],
    ['kmm-hub-buildah-1234-987654-AbC12', undefined],
    ['kmm-hub-buildah-x-987654-AbC123', undefined],
    ['kmm-hub-build-AbC123', undefined],
    ['kmm-hub-buildah-1234-987654-AbC123/../x', undefined],
    ['other', undefined],
  ])('reads %s', (name, expected) => {
    expect(parseBuildDirName(name)).toEqual(expected);
  });
});

describe('parseStatStartTime', () => {
  const fields = (name: string) =>
    `4242 (${name}) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615`;
  it.each([
    [fields('node'), '123456'],
    [fields('a) b (c'), '123456'],
    ['4242 (node) S 1', undefined],
  ])('reads %s', (stat, expected) => {
    expect(parseStatStartTime(stat)).toBe(expected);
  });
});
