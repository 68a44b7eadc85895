import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
} from '@nestjs/common';
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

/** What body-parser (Express's JSON reader, before any handler) throws: an http-errors error with its type. */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return (
    typeof candidate?.type === 'string' &&
    (candidate as { expose?: unknown }).expose === true &&
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500
  );
}

/**
 * Nest answers a body that is not JSON itself, before any filter sees the reader's error: a plain
 * BadRequestException with the parser's message (no route throws one; routes throw problems).
 */
function isUnreadableJson(error: unknown): boolean {
  return (
    error instanceof BadRequestException &&
    !(error instanceof ProblemException) &&
    /JSON|Unexpected (token|end)/i.test(error.message)
  );
}

function malformedBody(): ProblemException {
  return new ProblemException(
    HttpStatus.BAD_REQUEST,
    'REQUEST.MALFORMED',
    'the request body is not valid JSON',
    [{ field: 'body', message: 'must be a JSON document' }],
  );
}

/**
 * A request body the JSON reader refused (too large, not JSON, an unsupported charset) as the client's problem,
 * naming the limit where there is one; anything else it might throw is its status with a generic detail.
 */
export function bodyProblem(error: BodyParserError): ProblemException {
  switch (error.type) {
    case 'entity.too.large':
      return new ProblemException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'REQUEST.TOO_LARGE',
        `the request body is larger than the limit of ${error.limit ?? 'this route'} bytes`,
        [{ field: 'body', message: `at most ${error.limit ?? '?'} bytes` }],
      );
    case 'entity.parse.failed':
      return malformedBody();
    default:
      return new ProblemException(
        error.status,
        'REQUEST.UNREADABLE',
        `the request body cannot be read (${error.type})`,
      );
  }
}

/**
 * Turns every error into `application/problem+json`: domain errors by their kind, HTTP errors by their status,
 * a body the JSON reader refused as the client's problem; unexpected ones become a 500 without internals.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    const error =
      thrown instanceof DomainError
        ? problemFor(thrown)
        : isBodyParserError(thrown)
          ? bodyProblem(thrown)
          : isUnreadableJson(thrown)
            ? malformedBody()
            : thrown;
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
