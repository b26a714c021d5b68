import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from './api-errors.js';
import { decodeCursor, encodeCursor, paginate } from './paginate.js';

describe('paginate', () => {
  const items = ['d', 'a', 'c', 'b', 'e'];
  const all = (limit: number) => {
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = paginate(items, (s) => s, limit, cursor);
      seen.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  it.each([
    [1, [['a'], ['b'], ['c'], ['d'], ['e']]],
    [2, [['a', 'b'], ['c', 'd'], ['e']]],
    [5, [['a', 'b', 'c', 'd', 'e']]],
    [50, [['a', 'b', 'c', 'd', 'e']]],
  ])('walks every item once in key order with limit %i', (limit, pages) => {
    expect(all(limit)).toEqual(pages);
  });

  it('continues after the cursor key even when that item is gone', () => {
    const page = paginate(['a', 'c', 'd'], (s) => s, 1, encodeCursor('b'));
    expect(page).toEqual({ items: ['c'], nextCursor: encodeCursor('c') });
  });

  it.each(['', 'AAAA', Buffer.from('k2:x').toString('base64url'), 'k1:a', 'not base64!'])(
    'refuses the foreign cursor %j',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
    },
  );
});
