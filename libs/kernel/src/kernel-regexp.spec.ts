import { describe, expect, it } from 'vitest';
import { compileKernelRegexp } from './kernel-regexp.js';

function matches(pattern: string, kernel: string): boolean {
  const result = compileKernelRegexp(pattern);
  if (!result.ok) throw new Error(result.reason);
  return result.regexp.matches(kernel);
}

describe('compileKernelRegexp', () => {
  // Expected values checked against Go 1.26 regexp.MatchString.
  it.each([
    // upstream kernelmapper_test.go findKernelMapping
    ['1\\..*', '1.2.3', true],
    ['1.2.2', '1.2.3', false],
    ['0\\..*', '1.2.3', false],
    // upstream manifestwork_test.go and docs
    ['^.+$', '5.14.0-284.el9.x86_64', true],
    ['^.+$', '', false],
    ['^5\\.14\\.0-.+\\.el9.*$', '5.14.0-284.el9.x86_64', true],
    ['^5\\.14\\.0-.+\\.el9.*$', '5.14.0-284.el8.x86_64', false],
    // Go MatchString is unanchored: a partial match is enough.
    ['5\\.14', '4.5.14-1', true],
    ['el9', '5.14.0-284.el9.x86_64', true],
    ['^el9', '5.14.0-284.el9.x86_64', false],
    ['x86_64$', '5.14.0-284.el9.x86_64', true],
    ['', 'anything', true],
    // RE2 specifics
    ['(?i)EL9', '5.14.0-284.el9.x86_64', true],
    ['\\Q5.14.0\\E', '5x14x0', false],
    ['\\Q5.14.0\\E', '5.14.0-1', true],
    ['[[:digit:]]+\\.[[:digit:]]+', '6.1', true],
    ['\\pN\\.\\pN', '6.1', true],
    ['(?P<major>\\d+)\\.(?<minor>\\d+)', '6.1', true],
    ['^\\d+\\.\\d+\\.\\d+-\\d+-amd64$', '6.1.0-13-amd64', true],
    ['\\bgeneric\\b', '5.15.0-91-generic', true],
    ['(a|ab)(c|bcd)', 'abcd', true],
    // Go accepts duplicate group names; re2js alone would not.
    ['(?P<v>el8)|(?P<v>el9)', '5.14.0-284.el9.x86_64', true],
    ['(?<v>el8)|(?<v>el7)', '5.14.0-284.el9.x86_64', false],
    ['[(?P<v>](?P<v>x)(?P<v>y)', '(xy', true],
    ['\\Q(?P<v>\\E(?P<v>a)(?P<v>b)', '(?P<v>ab', true],
    ['\\Q(?P<v>\\E(?P<v>a)(?P<v>b)', 'ab', false],
    ['[]a(?P<x>](?P<x>b)(?P<x>c)', ']bc', true],
    ['[[:alpha:]](?P<x>1)(?P<x>2)', 'a12', true],
  ])('%j against %j is %s', (pattern, kernel, expected) => {
    expect(matches(pattern, kernel)).toBe(expected);
  });

  // Messages are Go's `regexp.Compile` errors, byte for byte.
  it.each([
    ['invalid)', 'error parsing regexp: unexpected ): `invalid)`'],
    ['(a', 'error parsing regexp: missing closing ): `(a`'],
    ['(?=el9)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?!el9)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'error parsing regexp: invalid named capture: `(?<=a)b`'],
    ['(\\d)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['a++', 'error parsing regexp: invalid nested repetition operator: `++`'],
    ['*', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
    ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
    ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
    ['a\\', 'error parsing regexp: trailing backslash at end of expression: ``'],
    ['(?P<>x)', 'error parsing regexp: invalid named capture: `(?P<>`'],
    ['(?P<a>x)(?P<a>', 'error parsing regexp: missing closing ): `(?P<a>x)(?P<a>`'],
    // Found by kernel-regexp.property.spec.ts: a quoted fragment that runs over renamed duplicate groups.
    ['(?P<g>(?P<g>(?<=a)|))|(?P<g>)', 'error parsing regexp: invalid named capture: `(?<=a)|))|(?P<g>`'],
    [
      `${'('.repeat(1001)}${')'.repeat(1001)}`,
      `error parsing regexp: expression nests too deeply: \`${'('.repeat(1001)}${')'.repeat(1001)}\``,
    ],
  ])('rejects %j as Go does', (pattern, reason) => {
    expect(compileKernelRegexp(pattern)).toEqual({ ok: false, reason });
  });
});

describe('compileKernelRegexp memo', () => {
  it('answers a pattern it compiled before with the same result, and stays right once the memo was emptied', () => {
    const first = compileKernelRegexp('^6\\.1\\.0-.+$');
    expect(compileKernelRegexp('^6\\.1\\.0-.+$')).toBe(first);
    for (let i = 0; i < 1_001; i++) compileKernelRegexp(`^memo-${i}$`);
    const again = compileKernelRegexp('^6\\.1\\.0-.+$');
    expect(again).not.toBe(first);
    expect(again.ok && again.regexp.matches('6.1.0-28-amd64')).toBe(true);
    expect(compileKernelRegexp('(unclosed')).toEqual({
      ok: false,
      reason: 'error parsing regexp: missing closing ): `(unclosed`',
    });
    expect(compileKernelRegexp('(unclosed')).toEqual(compileKernelRegexp('(unclosed'));
  });
});
