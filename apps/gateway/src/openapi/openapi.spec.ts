import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@nestjs/common';
import { GatewayModule } from '../gateway.module';
import {
  documentDrift,
  errorStatuses,
  openApiDocument,
  openApiPath,
  RouteOperation,
  routeOperations,
} from './openapi';

const controllers = Reflect.getMetadata('controllers', GatewayModule) as Array<Type<unknown>>;
const operations = routeOperations(controllers);
const publicApi = operations.filter((o) => o.path.startsWith('/v1/'));
const document = openApiDocument(operations, 'http://127.0.0.1:8080') as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
};

interface Operation {
  operationId: string;
  tags: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
}

const operation = (method: string, route: string) => document.paths[route][method];

describe('the OpenAPI document, generated from the controllers', () => {
  it.each<[string, Array<string | string[] | undefined>, string]>([
    ['a controller path and a route', ['v1/jobs', ':jobId/cancel'], '/v1/jobs/{jobId}/cancel'],
    ['a route at the controller root', ['v1/jobs', ''], '/v1/jobs'],
    ['slashes anywhere', ['/v1/', '/me/'], '/v1/me'],
    ['an array of paths (the first)', [['v1/a', 'v1/b'], undefined], '/v1/a'],
  ])('writes %s as an OpenAPI path', (_name, parts, expected) => {
    expect(openApiPath(...parts)).toBe(expected);
  });

  it('documents every route of the public API', () => {
    expect(publicApi.filter((o) => !o.spec).map((o) => `${o.method} ${o.path} (${o.handler})`)).toEqual([]);
    expect(publicApi.length).toBeGreaterThanOrEqual(49);
  });

  it('gives every operation a unique operation id and a tag', () => {
    const ids = publicApi.map((o) => o.spec?.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
    for (const o of publicApi) expect(o.tag).not.toBe('Other');
  });

  it('is a valid OpenAPI 3.1 document (checked by an OpenAPI schema validator)', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const result = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
    expect(JSON.parse(result.stdout)).toEqual({ valid: true });
    expect(document.openapi).toBe('3.1.0');
  });

  it('takes status, roles, access and idempotency from the routes’ own decorators', () => {
    const submit = publicApi.find((o) => o.method === 'post' && o.path === '/v1/jobs') as RouteOperation;
    expect(submit).toMatchObject({
      status: 202,
      roles: ['client'],
      public: false,
      idempotent: true,
      tag: 'Jobs',
    });
    expect(operation('post', '/v1/jobs').responses['202'].headers).toHaveProperty('idempotent-replayed');
    expect(operation('post', '/v1/jobs').parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header' }),
    );
    // Open to anyone: a security alternative without requirements.
    expect(operation('get', '/v1/offers').security).toEqual([{}, { apiKey: [] }]);
    expect(operation('get', '/v1/jobs').security).toBeUndefined();
  });

  it('lists query and path parameters as the handlers validate them', () => {
    const names = (method: string, route: string) =>
      (operation(method, route).parameters ?? [])
        .filter((p) => p.in !== 'header')
        .map((p) => `${p.in}:${p.name}`);
    expect(names('get', '/v1/offers')).toEqual(
      expect.arrayContaining([
        'query:gpuProduct',
        'query:minFreeGpus',
        'query:minReliability',
        'query:sort',
        'query:cursor',
      ]),
    );
    expect(names('get', '/v1/jobs')).toEqual(['query:limit', 'query:cursor']);
    expect(names('post', '/v1/jobs/{jobId}/cancel')).toEqual(['path:jobId']);
    expect(names('get', '/v1/dlq/{topic}')).toEqual(['path:topic', 'query:limit']);
  });

  it('names every answer: the problems a route may give, CSV where it is offered, Retry-After on 429', () => {
    expect(Object.keys(operation('post', '/v1/jobs').responses).sort()).toEqual(
      ['202', '400', '401', '403', '409', '413', '422', '429', '500'].sort(),
    );
    expect(Object.keys(operation('get', '/v1/invoices/{invoiceId}').responses['200'].content ?? {})).toEqual([
      'application/json',
      'text/csv',
    ]);
    expect(operation('get', '/v1/me').responses['429'].headers).toHaveProperty('retry-after');
    expect(operation('get', '/v1/me').responses['200'].headers).toHaveProperty('x-correlation-id');
  });

  it.each<[string, Partial<RouteOperation>, Partial<NonNullable<RouteOperation['spec']>>, number[]]>([
    ['a keyed read', { roles: ['client'] }, {}, [401, 403, 429, 500]],
    ['an open read', { roles: [], public: true }, {}, [429, 500]],
    ['an open read that a key may also make', { roles: ['client'], public: true }, {}, [401, 403, 429, 500]],
    ['a read for any key', { roles: [] }, {}, [401, 429, 500]],
    ['a body', { roles: ['client'] }, { request: {} as never }, [400, 401, 403, 413, 429, 500]],
    [
      'an idempotent command',
      { roles: ['client'], idempotent: true },
      {},
      [400, 401, 403, 409, 422, 429, 500],
    ],
    ['its own statuses', { roles: ['operator'] }, { errors: [404, 503] }, [401, 403, 404, 429, 500, 503]],
  ])('answers the statuses of %s', (_name, route, spec, expected) => {
    const base: RouteOperation = {
      method: 'get',
      path: '/v1/x',
      status: 200,
      roles: [],
      public: false,
      idempotent: false,
      tag: 'X',
      handler: 'X.x',
    };
    expect(errorStatuses({ ...base, ...route, spec: { operationId: 'x', summary: 'x', ...spec } })).toEqual(
      expected,
    );
  });

  it('finds a served route without an operation, and an operation nothing serves', () => {
    const served = publicApi.map((o) => ({ method: o.method, path: o.path }));
    expect(documentDrift(served, operations)).toEqual({ undocumented: [], unserved: [] });
    expect(
      documentDrift(
        [...served.slice(1), { method: 'get', path: '/v1/secret' }, { method: 'get', path: '/health/live' }],
        operations,
      ),
    ).toEqual({
      undocumented: ['GET /v1/secret'],
      unserved: [`${served[0].method.toUpperCase()} ${served[0].path}`],
    });
  });
});
