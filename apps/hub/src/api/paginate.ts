// Cursor pagination over a list sorted by a string key: the cursor is the opaque (base64url) key of the last item
// returned, so pages stay stable while items are added or removed elsewhere in the list.
import { InvalidCursorError } from './api-errors.js';

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

const PREFIX = 'k1:';

export function encodeCursor(key: string): string {
  return Buffer.from(PREFIX + key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX) || Buffer.from(text, 'utf8').toString('base64url') !== cursor)
    throw new InvalidCursorError();
  return text.slice(PREFIX.length);
}

/** One page of `items` (any order): sorted by `keyOf`, starting after the cursor's key. */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, limit: number, cursor?: string): Page<T> {
  const after = cursor !== undefined ? decodeCursor(cursor) : undefined;
  const sorted = items
    .map((item) => ({ item, key: keyOf(item) }))
    .filter((e) => after === undefined || e.key > after)
    .toSorted((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((e) => e.item),
    ...(sorted.length > limit && last !== undefined && { nextCursor: encodeCursor(last.key) }),
  };
}
