import { z } from 'zod';
import { decodeCursor, encodeCursor, nextCursor, pageQueryFields } from './paging';
import { ProblemException } from './problem-details';

describe('cursors', () => {
  it.each<[string, string[]]>([
    ['a single key', ['job-0192']],
    ['a time and an id', ['2026-12-03T10:00:00.000Z', '0192a-b']],
  ])('%s round-trips', (_name, key) => {
    expect(decodeCursor(encodeCursor(...key), key.length)).toEqual(key);
  });

  it.each<[string, string, number]>([
    ['too few parts', encodeCursor('only-one'), 2],
    ['too many parts', encodeCursor('a', 'b'), 1],
    ['an empty part', encodeCursor('a', ''), 2],
  ])('refuses %s with a 400 naming the cursor', (_name, cursor, parts) => {
    let thrown: unknown;
    try {
      decodeCursor(cursor, parts);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    expect((thrown as ProblemException).getStatus()).toBe(400);
    expect((thrown as ProblemException).errors[0].field).toBe('cursor');
  });

  it('no cursor is the first page', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
  });
});

describe('nextCursor', () => {
  const rows = [{ id: 'a' }, { id: 'b' }];
  it.each<[string, number, string | null]>([
    ['a full page points past its last row', 2, encodeCursor('b')],
    ['a short page is the last', 3, null],
  ])('%s', (_name, limit, expected) => {
    expect(nextCursor(rows, limit, (r) => [r.id])).toBe(expected);
  });
});

describe('pageQueryFields', () => {
  const schema = z.strictObject(pageQueryFields({ maxLimit: 500 }));
  it.each<[string, unknown, boolean, number | undefined]>([
    ['defaults to 50', {}, true, 50],
    ['reads a query string number', { limit: '120' }, true, 120],
    ['refuses zero', { limit: '0' }, false, undefined],
    ['refuses more than the route maximum', { limit: '501' }, false, undefined],
  ])('%s', (_name, query, ok, limit) => {
    const parsed = schema.safeParse(query);
    expect(parsed.success).toBe(ok);
    if (parsed.success) expect(parsed.data.limit).toBe(limit);
  });
});
