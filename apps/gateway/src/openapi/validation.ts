import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException } from '@gridex/runtime';

/** A request body checked against its schema (unknown fields refused), or a 400 problem naming each field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'REQUEST.INVALID',
      'the request body is invalid',
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message })),
    );
  }
  return parsed.data;
}
