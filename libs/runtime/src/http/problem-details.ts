import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { currentCorrelation } from '@gridex/observability';

/** One field-level problem inside a problem+json answer. */
export interface FieldProblem {
  field: string;
  message: string;
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

/** Turns every error into `application/problem+json`; unexpected ones become a 500 without internals. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
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
