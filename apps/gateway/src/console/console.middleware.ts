import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConsoleFiles } from './console-files';

/**
 * What the console page may do: scripts and styles of its own origin only, calls to its own origin only (the
 * API), no frames. Inline style attributes are allowed (the virtual job list positions its rows with them).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the web console under `/console`: `/console/assets/<file>` (hashed names, cached for a year) and, for any
 * other path, the console's page, which routes in the browser. Without a built console it answers 404 as
 * problem details saying so. Not part of the API: no key, and no OpenAPI operation.
 */
@Injectable()
export class ConsoleMiddleware implements NestMiddleware {
  private readonly files = new ConsoleFiles();

  use(request: Request, response: Response, next: NextFunction): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const rest = request.originalUrl.split('?')[0].replace(/^\/console/, '');
    if (!this.files.built) {
      response.status(404).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'CONSOLE.NOT_BUILT',
        detail: 'the web console is not built into this image (npm run build builds it)',
      });
      return;
    }
    const asset = rest.startsWith('/assets/') ? this.files.asset(rest.slice('/assets/'.length)) : undefined;
    if (rest.startsWith('/assets/')) {
      if (!asset) {
        response
          .status(404)
          .type('application/problem+json')
          .send({
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            code: 'CONSOLE.NO_SUCH_ASSET',
            detail: `${rest} is not a file of the console`,
          });
        return;
      }
      response.setHeader('cache-control', 'public, max-age=31536000, immutable');
      response.setHeader('x-content-type-options', 'nosniff');
      response.type(asset.contentType).send(asset.body);
      return;
    }
    response.setHeader('content-security-policy', CONSOLE_CSP);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    response.setHeader('cache-control', 'no-cache');
    response.type('text/html; charset=utf-8').send(this.files.index());
  }
}
