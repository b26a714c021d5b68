import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerValues, MAX_CREDENTIAL_LENGTH, readBearer, readCookie } from './read-credentials.js';

describe('readCookie', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['kmm_hub_session=abc', 'abc'],
    ['a=1; kmm_hub_session=abc; b=2', 'abc'],
    ['  kmm_hub_session = a%20b ', 'a b'],
    ['kmm_hub_session=first; kmm_hub_session=second', 'first'],
    ['kmm_hub_session=%', undefined],
    ['kmm_hub_session=%E0%A4%A', undefined],
    ['kmm_hub_session=', undefined],
    ['kmm_hub_session', undefined],
    [';;=;==;', undefined],
    ['=kmm_hub_session', undefined],
    ['xkmm_hub_session=abc', undefined],
    [`kmm_hub_session=${'A'.repeat(MAX_CREDENTIAL_LENGTH + 1)}`, undefined],
  ])('%j → %j', (header, expected) => {
    expect(readCookie(header, 'kmm_hub_session')).toBe(expected);
  });

  it('never throws, whatever the header holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        expect(() => readCookie(header, 'kmm_hub_session')).not.toThrow();
      }),
    );
  });

  it('finds every value the hub sets, among any other cookies', () => {
    const name = fc.stringMatching(/^[a-z_]{1,12}$/).filter((n) => n !== 'kmm_hub_session');
    const other = fc.tuple(
      name,
      fc.string({ unit: 'binary' }).map((v) => v.replace(/;/g, '')),
    );
    fc.assert(
      fc.property(
        fc.array(other, { maxLength: 5 }),
        fc.stringMatching(/^[A-Za-z0-9._-]{1,2000}$/),
        fc.nat(5),
        (others, value, at) => {
          const pairs = others.map(([k, v]) => `${k}=${v}`);
          pairs.splice(Math.min(at, pairs.length), 0, `kmm_hub_session=${encodeURIComponent(value)}`);
          expect(readCookie(pairs.join('; '), 'kmm_hub_session')).toBe(value);
        },
      ),
    );
  });
});

describe('readBearer', () => {
  it.each<[string[], ReturnType<typeof readBearer>]>([
    [[], { kind: 'none' }],
    [['Bearer abc.def.ghi'], { kind: 'bearer', token: 'abc.def.ghi' }],
    [['bearer  abc~+/=='], { kind: 'bearer', token: 'abc~+/==' }],
    [['Bearer abc '], { kind: 'bearer', token: 'abc' }],
    [['Bearer a', 'Bearer b'], { kind: 'invalid', detail: 'several Authorization headers' }],
    [['Bearer'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Bearer '], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Bearer a b'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Bearer !!!$$$'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Bearer a=b'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Basic YTpi'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [['Bearer\tabc'], { kind: 'invalid', detail: 'malformed Authorization header' }],
    [[`Bearer ${'a'.repeat(MAX_CREDENTIAL_LENGTH + 1)}`], { kind: 'invalid', detail: 'token too long' }],
  ])('%j → %j', (values, expected) => {
    expect(readBearer(values)).toEqual(expected);
  });

  it('answers every header with none, a token of the RFC 6750 alphabet, or invalid; never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 3 }), (values) => {
        const result = readBearer(values);
        if (result.kind === 'bearer') {
          expect(values).toHaveLength(1);
          expect(result.token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
          expect(values[0]).toContain(result.token);
        } else expect(result.kind).toBe(values.length === 0 ? 'none' : 'invalid');
      }),
    );
  });

  it('returns every well-formed token unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,500}=*$/), (token) => {
        expect(readBearer([`Bearer ${token}`])).toEqual({ kind: 'bearer', token });
      }),
    );
  });
});

describe('headerValues', () => {
  it('collects every value of a header, whatever the case of its name', () => {
    expect(headerValues(['Authorization', 'a', 'Host', 'h', 'authorization', 'b', 'odd'], 'authorization')).toEqual([
      'a',
      'b',
    ]);
  });
});
