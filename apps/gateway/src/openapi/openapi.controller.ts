import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';
import { openApiDocument } from './openapi';

const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

/** `/openapi.json` (the API's OpenAPI 3.1 document) and `/docs` (Swagger UI over it); no key needed. */
@Controller()
export class OpenApiController {
  private readonly assets = new Map<string, Buffer>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {}

  @Get('openapi.json')
  document(@Req() request: Request) {
    return openApiDocument(`${request.protocol}://${request.get('host') ?? `127.0.0.1:${this.config.PORT}`}`);
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
