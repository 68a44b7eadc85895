import { RequestMethod, Type } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
} from '@nestjs/common/constants';
import { z } from 'zod';
import { createDocument, ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { CORRELATION_HEADER } from '@gridex/runtime';
import { PUBLIC_KEY, ROLES_KEY } from '../auth/principal';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { API_OPERATION, API_TAG, ApiOperationSpec } from './api-operation';

/**
 * The OpenAPI 3.1 document of the public API, generated from the code: every route of the gateway's controllers
 * under `/v1` with its `@ApiOperation`, its path from `@Controller`/`@Get`…, its status from `@HttpCode`, its roles
 * from `@Roles`, open access from `@Public`, `Idempotency-Key` from the idempotency interceptor. zod-openapi turns
 * the same zod schemas the handlers validate with into the document's schemas. At start the gateway compares the
 * document with Express's route table and refuses to run if a route is undocumented or documented but not served.
 */

/** One route of a controller, as Nest registers it, with what its decorators say. */
export interface RouteOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** OpenAPI form: `/v1/jobs/{jobId}`. */
  path: string;
  status: number;
  roles: string[];
  public: boolean;
  idempotent: boolean;
  tag: string;
  handler: string;
  spec?: ApiOperationSpec;
}

const METHODS: Partial<Record<RequestMethod, RouteOperation['method']>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

/** `v1/jobs` + `:jobId/cancel` → `/v1/jobs/{jobId}/cancel`. */
export function openApiPath(...parts: Array<string | string[] | undefined>): string {
  const joined = parts
    .flatMap((part) => (Array.isArray(part) ? part[0] : part) ?? '')
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
  return `/${joined}`;
}

/** Every route of these controllers, as their decorators describe it. */
export function routeOperations(controllers: ReadonlyArray<Type<unknown>>): RouteOperation[] {
  const operations: RouteOperation[] = [];
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    const classInterceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ?? []) as unknown[];
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const routePath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (routePath === undefined || requestMethod === undefined) continue;
      const method = METHODS[requestMethod];
      if (!method) continue;
      const read = <T>(key: string): T | undefined =>
        (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
      const interceptors = [
        ...classInterceptors,
        ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[]),
      ];
      operations.push({
        method,
        path: openApiPath(base, routePath),
        status: read<number>(HTTP_CODE_METADATA) ?? (method === 'post' ? 201 : 200),
        roles: read<string[]>(ROLES_KEY) ?? [],
        public: read<boolean>(PUBLIC_KEY) === true,
        // The interceptor acts on POSTs only (a PUT is idempotent by itself).
        idempotent: method === 'post' && interceptors.includes(IdempotencyInterceptor),
        tag: read<string>(API_TAG) ?? 'Other',
        handler: `${controller.name}.${name}`,
        spec: Reflect.getMetadata(API_OPERATION, handler) as ApiOperationSpec | undefined,
      });
    }
  }
  return operations;
}

/** The routes of the public API: everything under `/v1` (health, metrics and the docs themselves are not). */
export const isPublicApiPath = (path: string) => path.startsWith('/v1/');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable machine-readable code, e.g. AUTH.UNAUTHENTICATED'),
    detail: z.string(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per field (or limit) at fault'),
    correlationId: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'An error, as RFC 9457 problem details' });

const CorrelationHeader = z.string().meta({
  description: "The request's correlation id (the caller's X-Correlation-Id if it sent a sane one)",
});

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the command is taken and will be carried out',
  204: 'No content',
  400: 'Invalid input: a problem naming each field',
  401: 'No key, or a key that is not valid',
  402: 'Not enough credit',
  403: 'The key lacks the role, or the tenant is not approved yet',
  404: 'Not found (or not the caller’s)',
  409: 'Conflicts with the current state',
  413: 'The body is larger than the limit',
  422: 'Well-formed but refused',
  429: 'Too many requests: retry after Retry-After seconds',
  500: 'An unexpected error (with a correlation id to report)',
  503: 'A service behind the gateway is unavailable',
  504: 'A service behind the gateway did not answer in time',
};

/** The statuses a route may answer: its own, and those every route of its kind may. */
export function errorStatuses(operation: RouteOperation): number[] {
  const spec = operation.spec ?? ({} as Partial<ApiOperationSpec>);
  const statuses = new Set<number>(spec.errors ?? []);
  if (spec.request || spec.query || operation.idempotent) statuses.add(400);
  if (spec.request) statuses.add(413);
  // A key is checked on every route but those open to anyone without roles; roles can refuse it.
  if (!operation.public || operation.roles.length > 0) statuses.add(401);
  if (operation.roles.length > 0) statuses.add(403);
  if (operation.idempotent) statuses.add(409).add(422);
  statuses.add(429).add(500);
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(operation: RouteOperation): ZodOpenApiOperationObject {
  const spec = operation.spec as ApiOperationSpec;
  const pathNames = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
  const headers = {
    [CORRELATION_HEADER]: CorrelationHeader.optional(),
    ...(operation.idempotent
      ? {
          'idempotency-key': z
            .string()
            .regex(/^[A-Za-z0-9._:-]{8,200}$/)
            .optional()
            .meta({
              description:
                'Makes a retry safe: the first answer is replayed to retries with the same key for 24 h',
            }),
        }
      : {}),
  };
  const successHeaders = z.object({
    [CORRELATION_HEADER]: CorrelationHeader,
    ...(operation.idempotent
      ? {
          'idempotent-replayed': z
            .literal('true')
            .optional()
            .meta({ description: 'Present on a replay of the first answer to this Idempotency-Key' }),
        }
      : {}),
  });
  const access = operation.public
    ? `Anyone, without a key (limited per client address)${
        operation.roles.length ? `; with a key: ${operation.roles.join(', ')}` : ''
      }.`
    : operation.roles.length > 0
      ? `Roles: ${operation.roles.join(', ')}.`
      : 'Any valid key.';
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    description: spec.description ? `${spec.description}\n\n${access}` : access,
    tags: [operation.tag],
    ...(operation.public ? { security: [{}, { apiKey: [] }] } : {}),
    requestParams: {
      ...(pathNames.length > 0
        ? { path: z.object(Object.fromEntries(pathNames.map((name) => [name, z.string().min(1).max(200)]))) }
        : {}),
      ...(spec.query ? { query: spec.query } : {}),
      header: z.object(headers),
    },
    ...(spec.request
      ? { requestBody: { required: true, content: { 'application/json': { schema: spec.request } } } }
      : {}),
    responses: {
      [String(operation.status)]: {
        description: STATUS_TEXT[operation.status] ?? 'OK',
        headers: successHeaders,
        ...(spec.response && spec.text
          ? { content: { 'text/plain': { schema: spec.response } } }
          : spec.response && spec.stream
            ? {
                content: {
                  // By convention, the schema of each event's data (a JSON object per event).
                  'text/event-stream': { schema: spec.response },
                },
              }
            : spec.response
              ? {
                  content: {
                    'application/json': { schema: spec.response },
                    ...(spec.csv
                      ? { 'text/csv': { schema: z.string().meta({ description: 'The same, as CSV' }) } }
                      : {}),
                  },
                }
              : {}),
      },
      ...Object.fromEntries(
        errorStatuses(operation).map((status) => [
          String(status),
          {
            description: STATUS_TEXT[status] ?? 'A problem',
            headers: z.object({
              [CORRELATION_HEADER]: CorrelationHeader,
              ...(status === 429
                ? { 'retry-after': z.string().meta({ description: 'Seconds to wait before retrying' }) }
                : {}),
            }),
            content: { 'application/problem+json': { schema: ProblemSchema } },
          },
        ]),
      ),
    },
  };
}

/** The OpenAPI 3.1 document of the documented operations. */
export function openApiDocument(
  operations: readonly RouteOperation[],
  serverUrl: string,
): Record<string, unknown> {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    if (!operation.spec) continue;
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(operation) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gridex API',
      version: '1',
      description:
        'The public API of the Gridex GPU compute exchange. Authenticate with `Authorization: Bearer <api key>`. ' +
        'Money is a decimal string of USD. Errors are `application/problem+json` with a stable `code`. Request ' +
        'bodies are JSON of at most 100 kB.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: [...new Set(operations.filter((o) => o.spec).map((o) => o.tag))].sort().map((name) => ({ name })),
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    paths,
  }) as unknown as Record<string, unknown>;
}

/**
 * What differs between the routes Express serves and the document: routes of the public API without an
 * operation, and operations no route serves (each `METHOD /path`).
 */
export function documentDrift(
  served: ReadonlyArray<{ method: string; path: string }>,
  operations: readonly RouteOperation[],
): { undocumented: string[]; unserved: string[] } {
  const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
  const servedKeys = new Set(served.filter((r) => isPublicApiPath(r.path)).map((r) => key(r.method, r.path)));
  const documented = new Set(operations.filter((o) => o.spec).map((o) => key(o.method, o.path)));
  return {
    undocumented: [...servedKeys].filter((k) => !documented.has(k)).sort(),
    unserved: [...documented].filter((k) => !servedKeys.has(k)).sort(),
  };
}
