import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { DomainError, DomainErrorKind, FieldProblem } from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';

export type { FieldProblem } from '@gridex/contracts';

/** The HTTP status of each kind of domain refusal. */
export const STATUS_BY_KIND: Readonly<Record<DomainErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rejected: HttpStatus.UNPROCESSABLE_ENTITY,
  'payment-required': HttpStatus.PAYMENT_REQUIRED,
};

/** A domain error as the HTTP problem it answers. */
export function problemFor(error: DomainError): ProblemException {
  return new ProblemException(STATUS_BY_KIND[error.kind], error.code, error.message, error.fields);
}

/**
 * An HTTP error answered as RFC 9457 problem details, with a stable code (e.g. `INVENTORY.INVALID_QUERY`) and
 * the request's correlation id.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    detail: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(detail, status);
  }
}

/**
 * A value checked against its schema, or a 400 problem with `code` and one entry per failing field (path joined
 * with dots; `body` for the object itself, e.g. an unknown field).
 */
export function validated<T>(schema: z.ZodType<T>, value: unknown, code: string, detail: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ProblemException(
    HttpStatus.BAD_REQUEST,
    code,
    detail,
    parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message })),
  );
}

/**
 * Turns every error into `application/problem+json`: domain errors by their kind, HTTP errors by their status;
 * unexpected ones become a 500 without internals.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    const error = thrown instanceof DomainError ? problemFor(thrown) : thrown;
    const response = host.switchToHttp().getResponse<Response>();
    const status = error instanceof HttpException ? error.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const code =
      error instanceof ProblemException
        ? error.code
        : status === 404
          ? 'HTTP.NOT_FOUND'
          : status >= 500
            ? 'HTTP.INTERNAL'
            : 'HTTP.BAD_REQUEST';
    const detail =
      error instanceof HttpException && status < 500 ? error.message : 'an unexpected error occurred';
    response
      .status(status)
      .type('application/problem+json')
      .send({
        type: `https://docs.gridex.io/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
        title: HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'error',
        status,
        code,
        detail,
        ...(error instanceof ProblemException && error.errors.length > 0 ? { errors: error.errors } : {}),
        correlationId: currentCorrelation()?.correlationId,
      });
  }
}
