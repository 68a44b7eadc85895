import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { currentCorrelation } from '@gridex/observability';
import { CORRELATION_HEADER, ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

export type InternalService = 'inventory' | 'billing' | 'rewards' | 'orchestrator';

export interface ServiceCall {
  method?: 'GET' | 'POST' | 'PUT';
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ServiceAnswer {
  status: number;
  contentType: string;
  text: string;
  headers: Headers;
}

/**
 * Calls the internal HTTP routes of the service that owns the data (billing's invoices, rewards' stakes,
 * inventory's nodes) for a caller the gateway has already authenticated and scoped: the path always names the
 * caller's own tenant or supplier. The correlation id travels along. A problem the service answers is passed
 * on unchanged (its status, code and fields); a service that cannot be reached is 503, a slow one 504.
 */
@Injectable()
export class ServiceClient {
  private readonly baseUrls: Record<InternalService, string>;

  /** Where a service is reached. */
  baseUrl(service: InternalService): string {
    return this.baseUrls[service];
  }

  /** How long reaching a service may take. */
  get timeoutMs(): number {
    return this.config.GATEWAY_SERVICE_TIMEOUT_MS;
  }

  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {
    this.baseUrls = {
      inventory: config.GATEWAY_INVENTORY_URL,
      billing: config.GATEWAY_BILLING_URL,
      rewards: config.GATEWAY_REWARDS_URL,
      orchestrator: config.GATEWAY_ORCHESTRATOR_URL,
    };
  }

  /** The JSON answer of a successful call; any other answer becomes the problem it describes. */
  async json<T = unknown>(service: InternalService, path: string, call: ServiceCall = {}): Promise<T> {
    const answer = await this.raw(service, path, call);
    return JSON.parse(answer.text) as T;
  }

  /** The answer of a successful call as it came (for CSV); any other answer becomes its problem. */
  async raw(service: InternalService, path: string, call: ServiceCall = {}): Promise<ServiceAnswer> {
    const url = new URL(path, this.baseUrls[service]);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const correlationId = currentCorrelation()?.correlationId;
    let response: Response;
    try {
      response = await fetch(url, {
        method: call.method ?? 'GET',
        headers: {
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(correlationId ? { [CORRELATION_HEADER]: correlationId } : {}),
          ...call.headers,
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(this.config.GATEWAY_SERVICE_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new ProblemException(
        timedOut ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.SERVICE_UNAVAILABLE,
        timedOut ? 'GATEWAY.ANSWER_TIMEOUT' : 'GATEWAY.SERVICE_UNAVAILABLE',
        timedOut
          ? `the ${service} service did not answer in time; try again`
          : `the ${service} service cannot be reached; try again shortly`,
      );
    }
    const text = await response.text();
    if (!response.ok) throw problemFrom(service, response.status, text);
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      headers: response.headers,
    };
  }
}

/**
 * The lines of a streamed answer (newline-delimited), as they arrive, until the service ends it or `signal`
 * aborts; only reaching the service is bounded by the timeout.
 */
export async function* streamLines(
  client: ServiceClient,
  service: InternalService,
  path: string,
  query: Record<string, string | undefined>,
  signal: AbortSignal,
): AsyncIterable<string> {
  const url = new URL(path, client.baseUrl(service));
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value);
  // The timeout bounds reaching the service and its first answer, not how long the stream then lasts.
  const connecting = new AbortController();
  const timer = setTimeout(() => connecting.abort(), client.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, connecting.signal]) });
  } catch {
    if (signal.aborted) return;
    throw new ProblemException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'GATEWAY.SERVICE_UNAVAILABLE',
      `the ${service} service cannot be reached; try again shortly`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw problemFrom(service, response.status, await response.text());
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      yield* lines.filter((line) => line !== '');
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** The service's own problem (status, code, detail, fields), or a plain one when its body is not a problem. */
function problemFrom(service: InternalService, status: number, text: string): ProblemException {
  try {
    const problem = JSON.parse(text) as {
      code?: string;
      detail?: string;
      errors?: Array<{ field: string; message: string }>;
    };
    if (typeof problem.code === 'string' && typeof problem.detail === 'string') {
      return new ProblemException(status, problem.code, problem.detail, problem.errors ?? []);
    }
  } catch {
    // not JSON: fall through to the generic problem
  }
  return new ProblemException(
    status >= 500 ? HttpStatus.BAD_GATEWAY : status,
    'GATEWAY.SERVICE_ERROR',
    `the ${service} service answered ${status}`,
  );
}
