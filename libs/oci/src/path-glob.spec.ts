import { describe, expect, it } from 'vitest';
import { globToRegExp, matchAnyGlob, normalizeImagePath } from './path-glob.js';

describe('globToRegExp', () => {
  it.each([
    ['/opt/lib/modules/*/hello.ko', '/opt/lib/modules/6.1.0-56-amd64/hello.ko', true],
    ['/opt/lib/modules/*/hello.ko', '/opt/lib/modules/a/b/hello.ko', false],
    ['/opt/lib/modules/*/*.ko', '/opt/lib/modules/6.1/kmm_ci_a.ko', true],
    ['/opt/lib/modules/*/*.ko', '/opt/lib/modules/6.1/kmm_ci_a.ko.xz', false],
    ['/opt/**/*.ko', '/opt/x.ko', true],
    ['/opt/**/*.ko', '/opt/lib/modules/6.1/extra/x.ko', true],
    ['/opt/**', '/opt/a/b', true],
    ['/opt/**', '/optx/a', false],
    ['/opt/mod?.ko', '/opt/mod1.ko', true],
    ['/opt/mod?.ko', '/opt/mod/.ko', false],
    ['/opt/mod[0-9].ko', '/opt/mod7.ko', true],
    ['/opt/mod[!0-9].ko', '/opt/mod7.ko', false],
    ['/opt/mod[!0-9].ko', '/opt/modx.ko', true],
    ['/opt/a+b(c).ko', '/opt/a+b(c).ko', true],
    ['/opt/a.ko', '/opt/aXko', false],
    ['opt//lib/./x.ko', '/opt/lib/x.ko', true],
    ['/opt/[unclosed', '/opt/[unclosed', true],
  ])('%s against %s is %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  it('rejects a pattern that escapes the image root', () => {
    expect(() => globToRegExp('/opt/../../x')).toThrow('is not a path inside an image');
  });
});

describe('matchAnyGlob', () => {
  it('matches when any glob does', () => {
    const sut = matchAnyGlob(['/a/*.ko', '/b/*.ko']);
    expect([sut('/a/x.ko'), sut('/b/y.ko'), sut('/c/z.ko')]).toEqual([true, true, false]);
  });
});

describe('normalizeImagePath', () => {
  it.each([
    ['./opt/x/', '/opt/x'],
    ['opt//x', '/opt/x'],
    ['/opt/./x', '/opt/x'],
    ['./', undefined],
    ['../x', undefined],
    ['a/../../x', undefined],
  ])('turns %j into %j', (input, expected) => {
    expect(normalizeImagePath(input)).toBe(expected);
  });
});
