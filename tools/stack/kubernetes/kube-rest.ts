import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import path from 'node:path';
import { LOOPBACK, StackPaths, StackPorts } from '../stack-paths';

/**
 * A minimal REST client for the local API server, authenticated with a client certificate. The stack's tools
 * use it (the services use @kubernetes/client-node): it has no dependencies, works before `npm ci`, and with a
 * keep-alive agent creates thousands of nodes quickly.
 */
export class KubeRest {
  private readonly agent: Agent;

  constructor(
    private readonly server: string,
    credentials: { caCert: string; clientCert: string; clientKey: string },
    maxSockets = 32,
  ) {
    this.agent = new Agent({
      ca: readFileSync(credentials.caCert),
      cert: readFileSync(credentials.clientCert),
      key: readFileSync(credentials.clientKey),
      keepAlive: true,
      maxSockets,
    });
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    timeoutMs = 30_000,
  ): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // plain-text answers such as /readyz
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Calls and throws unless the status is 2xx (or listed in `accept`). */
  async expect<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    accept: number[] = [],
    contentType?: string,
  ): Promise<T> {
    const response = await this.call<T>(method, path, body, contentType);
    if ((response.status < 200 || response.status >= 300) && !accept.includes(response.status)) {
      throw new Error(
        `${method} ${path} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 500)}`,
      );
    }
    return response.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A client of the local stack's API server as its administrator (the stack's own certificates). */
export function stackAdminRest(maxSockets?: number): KubeRest {
  const pki = path.join(StackPaths.stateDir, 'kubernetes', 'pki');
  return new KubeRest(
    `https://${LOOPBACK}:${StackPorts.kubeApiserver}`,
    {
      caCert: path.join(pki, 'ca.crt'),
      clientCert: path.join(pki, 'admin.crt'),
      clientKey: path.join(pki, 'admin.key'),
    },
    maxSockets,
  );
}
