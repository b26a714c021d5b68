// The query schemas against whatever Express's query parser ('simple': node:querystring) makes of any query string:
// a schema answers ok or a list of issues, never throws, and what it accepts is within the API's bounds.
import { parse } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../api-errors.js';
import { decodeCursor, encodeCursor } from '../paginate.js';
import { loginQuery } from './auth.dto.js';
import { listBuildsQuery } from './builds.dto.js';
import { listQuery } from './common.dto.js';
import { listClustersQuery } from './fleet.dto.js';

const key = fc.constantFrom(
  'limit',
  'cursor',
  'state',
  'module',
  'kernel',
  'q',
  'order',
  'returnTo',
  'login_hint',
  'limit[]',
  'x',
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[-+.0-9eExX]){0,12}$/),
  fc.constantFrom('', '%', '%E0%A4%A', '1e3', '0x10', '-1', 'Infinity', 'NaN', '500', '501', '1.5', '//evil', '/ok'),
);
/** Query strings, malformed percent-encoding and repeated keys included. */
const queryString = fc
  .array(fc.tuple(key, text), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v.replace(/[&#]/g, '')}`).join('&'));

describe('query schemas', () => {
  it.each([
    ['limit=%', false],
    ['limit=1&limit=2', false],
    ['limit=100000000000000000000', false],
    ['limit=0', false],
    ['limit=1.5', false],
    ['limit=500', true],
    ['cursor=a&cursor=b', false],
    ['cursor=%', false],
    ['', true],
    ['unknown=1', false],
  ])('listQuery %j → ok %s', (query, ok) => {
    expect(listQuery.safeParse(parse(query)).success).toBe(ok);
  });

  it.each([
    ['', true],
    ['order=attention&state=NeedsAttention&module=gpu&q=region%3Deu%20edge', true],
    ['order=random', false],
    ['state=Broken', false],
    ['module=Not_A_Name', false],
    ['q=a%00b', false],
    [`q=${'a'.repeat(257)}`, false],
    ['q=a&q=b', false],
    ['limit=0', false],
  ])('listClustersQuery %j → ok %s', (query, ok) => {
    expect(listClustersQuery.safeParse(parse(query)).success).toBe(ok);
  });

  it('answers every query string without throwing, and keeps what it accepts within bounds', () => {
    fc.assert(
      fc.property(queryString, (qs) => {
        const query = parse(qs);
        for (const schema of [listQuery, listBuildsQuery, listClustersQuery]) {
          const result = schema.safeParse(query);
          if (!result.success) continue;
          expect(Number.isInteger(result.data.limit)).toBe(true);
          expect(result.data.limit).toBeGreaterThanOrEqual(1);
          expect(result.data.limit).toBeLessThanOrEqual(500);
          if (result.data.cursor !== undefined) expect(result.data.cursor).toMatch(/^[A-Za-z0-9_-]{1,1024}$/);
        }
        const login = loginQuery.safeParse(query);
        if (login.success) expect(login.data.returnTo).toMatch(/^\/(?![/\\])\S*$/);
      }),
    );
  });
});

describe('decodeCursor', () => {
  it('refuses every cursor it did not encode with InvalidCursorError, and only that', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/), (cursor) => {
        try {
          expect(encodeCursor(decodeCursor(cursor))).toBe(cursor);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidCursorError);
        }
      }),
    );
  });

  it('gives back every key it encoded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (k) => {
        expect(decodeCursor(encodeCursor(k))).toBe(k);
      }),
    );
  });
});
