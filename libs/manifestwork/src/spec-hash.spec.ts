import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashCanonicalJson } from './spec-hash.js';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: 1, x: [{ d: 1, c: 2 }] }, a: null }, '{"a":null,"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    [{ a: undefined, b: 'x' }, '{"b":"x"}'],
    [[3, 1, 2], '[3,1,2]'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
    ['text', '"text"'],
  ])('writes %j as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('hashCanonicalJson', () => {
  it('is the sha256 of the canonical JSON, whatever the key order', () => {
    const expected = createHash('sha256').update('{"a":1,"b":{"c":2,"d":3}}').digest('hex');
    expect(hashCanonicalJson({ b: { d: 3, c: 2 }, a: 1 })).toBe(expected);
    expect(hashCanonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(expected);
  });
});
