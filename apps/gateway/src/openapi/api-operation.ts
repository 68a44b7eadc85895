import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_OPERATION = 'gridex:api-operation';
export const API_TAG = 'gridex:api-tag';

/**
 * What the code does not already say about an operation of the public API. Its path, method, success status,
 * roles, whether it is open without a key and whether it takes an `Idempotency-Key` are read from the route's
 * own decorators (`@Get`, `@HttpCode`, `@Roles`, `@Public`, the idempotency interceptor), so the document cannot
 * drift from them.
 */
export interface ApiOperationSpec {
  /** Unique, camelCase: what a generated client names the method. */
  operationId: string;
  summary: string;
  description?: string;
  /** The JSON request body (absent: the operation takes none). */
  request?: z.ZodType;
  /** The query parameters, as the handler validates them. */
  query?: z.ZodObject;
  /** The body of the success answer (absent: no body). */
  response?: z.ZodType;
  /** Also answers `text/csv` when asked with `Accept: text/csv` (or `?format=csv`). */
  csv?: boolean;
  /** Answers server-sent events (`text/event-stream`), each event's data a `response`. */
  stream?: boolean;
  /** Answers plain text (`text/plain`), described by `response`. */
  text?: boolean;
  /**
   * The statuses this route answers besides the ones every route of its kind may (400 for a body or query, 401,
   * 403 with roles, 413 for a body, 429, 500): a missing resource, a conflict, a refusal, an owner unavailable.
   */
  errors?: number[];
}

/** Documents a route of the public API (`GET /openapi.json` is generated from these and the route's decorators). */
export const ApiOperation = (spec: ApiOperationSpec) => SetMetadata(API_OPERATION, spec);

/** Groups a controller's operations under a tag of the document. */
export const ApiTag = (tag: string) => SetMetadata(API_TAG, tag);
