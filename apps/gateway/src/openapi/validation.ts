import { z } from 'zod';
import { validated } from '@gridex/runtime';

/** A request body checked against its schema (unknown fields refused), or a 400 problem naming each field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  return validated(schema, body, 'REQUEST.INVALID', 'the request body is invalid');
}
