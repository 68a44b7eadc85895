import { randomUUID } from 'node:crypto';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { withCorrelation } from '@gridex/observability';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Gives every request a correlation id (the caller's, if it sent a sane one) and echoes it in the response. */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.header(CORRELATION_HEADER);
    const correlationId = given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    response.setHeader(CORRELATION_HEADER, correlationId);
    withCorrelation({ correlationId }, next);
  }
}
