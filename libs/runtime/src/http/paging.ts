import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException } from './problem-details';

/**
 * Keyset paging, as every list route does it: `limit` (1 to a route's maximum) and an opaque `cursor` that is
 * the sort key of the previous page's last item; a page shorter than its limit is the last one (its
 * `nextCursor` is null).
 */
export function pageQueryFields(options: { maxLimit?: number; defaultLimit?: number } = {}) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(options.maxLimit ?? 200)
      .default(options.defaultLimit ?? 50),
    cursor: z.string().max(300).optional(),
  };
}

/** An opaque cursor for a sort key of one or more parts (none of which contains `|`). */
export function encodeCursor(...keyParts: string[]): string {
  return Buffer.from(keyParts.join('|')).toString('base64url');
}

/**
 * The sort key a cursor stands for, in `parts` parts; undefined when there is no cursor. A cursor this server
 * did not make is a 400 problem naming the field.
 */
export function decodeCursor(cursor: string | undefined, parts = 1): string[] | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (key.length !== parts || key.some((part) => part.length === 0)) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'REQUEST.INVALID_CURSOR', 'the cursor is not valid', [
      { field: 'cursor', message: 'use the nextCursor of a previous page' },
    ]);
  }
  return key;
}

/** The next page's cursor: the last row's sort key when the page is full, null on the last page. */
export function nextCursor<T>(rows: readonly T[], limit: number, keyOf: (row: T) => string[]): string | null {
  return rows.length === limit && rows.length > 0 ? encodeCursor(...keyOf(rows[rows.length - 1])) : null;
}
