import { Controller, Get, Header, Inject, OnApplicationBootstrap, Req, Res, Type } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { Application, Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';
import { documentDrift, openApiDocument, openApiPath, RouteOperation, routeOperations } from './openapi';

const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

/** The routes Express serves, as OpenAPI paths (Express 5 keeps them on the application's router). */
export function servedRoutes(app: Application): Array<{ method: string; path: string }> {
  const stack = (app as unknown as { router?: { stack: ExpressLayer[] } }).router?.stack ?? [];
  return stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => ({ method, path: openApiPath(layer.route?.path) }))
      : [],
  );
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * `/openapi.json` (the API's OpenAPI 3.1 document, generated from the controllers) and `/docs` (Swagger UI over
 * it); no key needed. At start it checks the document against the routes Express serves: a route of the public
 * API without `@ApiOperation`, or an operation nothing serves, stops the gateway with the routes named.
 */
@Controller()
export class OpenApiController implements OnApplicationBootstrap {
  private readonly assets = new Map<string, Buffer>();
  private operations: RouteOperation[] = [];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype)
      .filter((metatype): metatype is Type<unknown> => typeof metatype === 'function');
    this.operations = routeOperations(controllers);
    const drift = documentDrift(
      servedRoutes(this.http.httpAdapter.getInstance<Application>()),
      this.operations,
    );
    if (drift.undocumented.length > 0 || drift.unserved.length > 0) {
      throw new Error(
        `the OpenAPI document and the routes differ: undocumented ${JSON.stringify(drift.undocumented)}, ` +
          `documented but not served ${JSON.stringify(drift.unserved)}`,
      );
    }
  }

  @Get('openapi.json')
  document(@Req() request: Request) {
    return openApiDocument(
      this.operations,
      `${request.protocol}://${request.get('host') ?? `127.0.0.1:${this.config.PORT}`}`,
    );
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gridex API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`;
  }

  @Get('docs/:asset')
  asset(@Req() request: Request, @Res() response: Response): void {
    const name = String(request.params.asset);
    if (!ASSETS.has(name)) {
      response.status(404).type('application/problem+json').send({ status: 404, code: 'HTTP.NOT_FOUND' });
      return;
    }
    let body = this.assets.get(name);
    if (!body) {
      body = readFileSync(path.join(SWAGGER_UI, name));
      this.assets.set(name, body);
    }
    response.type(path.extname(name)).setHeader('cache-control', 'public, max-age=86400');
    response.send(body);
  }
}
