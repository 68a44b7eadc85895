import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type {
  Balance,
  CapacityCommitment,
  ComputeCredit,
  ComputeCreditTransfer,
  ComputeCreditWithdrawal,
  Fleet,
  Invoice,
  InvoiceSummary,
  Job,
  JobAccepted,
  JobSpec,
  JobStatus,
  Offer,
  OfferTerms,
  Page,
  paths,
  Problem,
  QueryOf,
  Quote,
  RequestOf,
  ResponseOf,
  SupplierPayout,
  SupplierRewards,
  TopUp,
} from './api-types';

/** A problem+json answer of the API, with its stable code and the fields it names. */
export class GridexApiError extends Error {
  constructor(readonly problem: Problem) {
    const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    super(`${problem.code}: ${problem.detail}${fields ? ` (${fields})` : ''}`);
    this.name = 'GridexApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }
}

export interface GridexClientOptions {
  /** The gateway, e.g. http://127.0.0.1:8080 (GRIDEX_API_URL); a path prefix is kept. */
  baseUrl: string;
  /** An API key (shown once when created); none for what anyone may call (offers, sign-up). */
  apiKey?: string;
  /** Retries of a 429, 503 or a network error (each POST keeps its Idempotency-Key, so a retry is safe). */
  retries?: number;
  fetch?: (request: Request) => Promise<Response>;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/**
 * The Gridex API as typed methods, on openapi-fetch with the types generated from the gateway's OpenAPI document
 * (`raw` is the typed client itself, for any operation). Middleware adds the key, gives every POST an
 * Idempotency-Key (yours, or a fresh one), and turns a problem answer into a `GridexApiError`; the transport
 * retries 429 (after Retry-After), 503 and network failures, so nothing is done twice. Lists come one page at a
 * time (`nextCursor`) or all at once through the `all…` async iterators.
 */
export class GridexClient {
  readonly raw: Client<paths>;

  constructor(options: GridexClientOptions) {
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      fetch: retrying(options.fetch ?? ((request) => fetch(request)), options.retries ?? 3),
    });
    this.raw.use(authenticate(options.apiKey), idempotencyKeys);
  }

  // ── anyone ─────────────────────────────────────────────────────────────────────────────────────────────
  me(): Promise<ResponseOf<'getMe'>> {
    return answer(this.raw.GET('/v1/me'));
  }

  /** A client or supplier tenant signs itself up, with its first key (pending while the exchange approves). */
  signUp(tenant: RequestOf<'signUp'>, idempotencyKey?: string): Promise<ResponseOf<'signUp'>> {
    return answer(this.raw.POST('/v1/signup', { body: tenant, ...keyed(idempotencyKey) }));
  }

  /** Sellable offers at the client's price (anyone may browse, a key or not). */
  offers(query: QueryOf<'searchOffers'> = {}): Promise<Page<Offer>> {
    return answer(this.raw.GET('/v1/offers', { params: { query } }));
  }

  allOffers(query: Omit<QueryOf<'searchOffers'>, 'cursor'> = {}): AsyncIterable<Offer> {
    return paginate((cursor) => this.offers({ ...query, limit: 200, ...(cursor ? { cursor } : {}) }));
  }

  // ── operators ──────────────────────────────────────────────────────────────────────────────────────────
  createTenant(
    tenant: RequestOf<'createTenant'>,
    idempotencyKey?: string,
  ): Promise<ResponseOf<'createTenant'>> {
    return answer(this.raw.POST('/v1/tenants', { body: tenant, ...keyed(idempotencyKey) }));
  }

  tenant(tenantId: string): Promise<ResponseOf<'getTenant'>> {
    return answer(this.raw.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId } } }));
  }

  approveTenant(tenantId: string): Promise<ResponseOf<'approveTenant'>> {
    return answer(this.raw.POST('/v1/tenants/{tenantId}/approve', { params: { path: { tenantId } } }));
  }

  /** Records tokens a supplier transferred to the platform off the chain (once per reference). */
  recordTokenDeposit(
    supplierId: string,
    amount: string,
    reference: string,
  ): Promise<ResponseOf<'recordTokenDeposit'>> {
    return answer(
      this.raw.POST('/v1/suppliers/{supplierId}/token-deposits', {
        params: { path: { supplierId } },
        body: { amount, reference },
      }),
    );
  }

  createApiKey(
    tenantId: string,
    role: RequestOf<'createApiKey'>['role'],
  ): Promise<ResponseOf<'createApiKey'>> {
    return answer(
      this.raw.POST('/v1/tenants/{tenantId}/api-keys', { params: { path: { tenantId } }, body: { role } }),
    );
  }

  /** Operator: a tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set). */
  setTenantShare(tenantId: string, weight: number): Promise<ResponseOf<'setTenantShare'>> {
    return answer(
      this.raw.PUT('/v1/tenants/{tenantId}/share', { params: { path: { tenantId } }, body: { weight } }),
    );
  }

  fleet(): Promise<Fleet> {
    return answer(this.raw.GET('/v1/fleet'));
  }

  clusters(): Promise<ResponseOf<'listClusters'>> {
    return answer(this.raw.GET('/v1/clusters'));
  }

  /** The other compute networks the exchange may route to, with their circuit breakers and offers. */
  networks(): Promise<ResponseOf<'listNetworks'>> {
    return answer(this.raw.GET('/v1/networks'));
  }

  deadLetters(): Promise<ResponseOf<'listDeadLetterTopics'>> {
    return answer(this.raw.GET('/v1/dlq'));
  }

  // ── clients ────────────────────────────────────────────────────────────────────────────────────────────
  quote(spec: JobSpec): Promise<Quote> {
    return answer(this.raw.POST('/v1/quotes', { body: spec }));
  }

  submitJob(spec: JobSpec, idempotencyKey?: string): Promise<JobAccepted> {
    return answer(this.raw.POST('/v1/jobs', { body: spec, ...keyed(idempotencyKey) }));
  }

  job(jobId: string): Promise<Job> {
    return answer(this.raw.GET('/v1/jobs/{jobId}', { params: { path: { jobId } } }));
  }

  jobs(query: QueryOf<'listJobs'> = {}): Promise<Page<Job>> {
    return answer(this.raw.GET('/v1/jobs', { params: { query } }));
  }

  allJobs(): AsyncIterable<Job> {
    return paginate((cursor) => this.jobs({ limit: 200, ...(cursor ? { cursor } : {}) }));
  }

  /** Cancels a job: a queued one at once, a running one when its workload has stopped. */
  cancelJob(jobId: string): Promise<ResponseOf<'cancelJob'>> {
    return answer(this.raw.POST('/v1/jobs/{jobId}/cancel', { params: { path: { jobId } } }));
  }

  /**
   * A job's lifecycle as it happens (server-sent events): each timeline entry, then `end` with the final status.
   * A dropped connection is resumed where it left off (Last-Event-ID). Stop early with `signal`.
   */
  async *jobEvents(jobId: string, options: { signal?: AbortSignal } = {}): AsyncIterable<JobStreamEvent> {
    let lastId: string | undefined;
    for (let attempt = 0; ; attempt += 1) {
      const { data, error, response } = await this.raw.GET('/v1/jobs/{jobId}/events', {
        params: { path: { jobId } },
        parseAs: 'stream',
        headers: lastId === undefined ? {} : { 'last-event-id': lastId },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!response.ok || !data) throw new GridexApiError(problemOf(error, response));
      try {
        for await (const event of serverSentEvents(data)) {
          if (event.id !== undefined) lastId = event.id;
          if (event.event === 'timeline')
            yield { type: 'timeline', event: JSON.parse(event.data) as JobEvent };
          if (event.event === 'end') {
            yield { type: 'end', end: JSON.parse(event.data) as JobStreamEnd };
            return;
          }
        }
      } catch (streamError) {
        if (options.signal?.aborted || attempt >= 3) throw streamError;
      }
      if (options.signal?.aborted) return;
      await sleep(backoffMs(attempt));
    }
  }

  /** A job's container logs as text (`tail`, `since`, `node`, `timestamps`), as kept so far. */
  jobLogs(jobId: string, query: Omit<QueryOf<'getJobLogs'>, 'follow'> = {}): Promise<string> {
    return answer(
      this.raw.GET('/v1/jobs/{jobId}/logs', { params: { path: { jobId }, query }, parseAs: 'text' }),
    ) as Promise<string>;
  }

  /** A job's container log lines as they come, until the job has ended (or `signal` aborts). */
  async *followJobLogs(
    jobId: string,
    query: Omit<QueryOf<'getJobLogs'>, 'follow'> = {},
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<string> {
    const { data, error, response } = await this.raw.GET('/v1/jobs/{jobId}/logs', {
      params: { path: { jobId }, query: { ...query, follow: 'true' } },
      parseAs: 'stream',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok || !data) throw new GridexApiError(problemOf(error, response));
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      yield* lines;
    }
    if (buffer) yield buffer;
  }

  /** Polls a job until it reaches one of `statuses` (by default any terminal one) or the time is up. */
  async waitForJob(
    jobId: string,
    options: { statuses?: JobStatus[]; timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<Job> {
    const wanted = new Set(options.statuses ?? [...TERMINAL]);
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const job = await this.job(jobId);
      if (wanted.has(job.status)) return job;
      if (TERMINAL.has(job.status) || Date.now() > deadline) {
        throw new Error(
          `job ${jobId} is ${job.status}${job.reason ? ` (${job.reason})` : ''}, not ${[...wanted].join(' or ')}`,
        );
      }
      await sleep(options.intervalMs ?? 500);
    }
  }

  balance(): Promise<Balance> {
    return answer(this.raw.GET('/v1/balance'));
  }

  addCredits(amount: string, paymentMethod = 'pm_test_visa', idempotencyKey?: string): Promise<TopUp> {
    return answer(
      this.raw.POST('/v1/credits', { body: { amount, paymentMethod }, ...keyed(idempotencyKey) }),
    );
  }

  topUp(topUpId: string): Promise<ResponseOf<'getTopUp'>> {
    return answer(this.raw.GET('/v1/credits/{topUpId}', { params: { path: { topUpId } } }));
  }

  usage(query: QueryOf<'listUsage'> = {}): Promise<ResponseOf<'listUsage'>> {
    return answer(this.raw.GET('/v1/usage', { params: { query } }));
  }

  invoices(query: QueryOf<'listInvoices'> = {}): Promise<Page<InvoiceSummary>> {
    return answer(this.raw.GET('/v1/invoices', { params: { query } }));
  }

  allInvoices(query: Omit<QueryOf<'listInvoices'>, 'cursor'> = {}): AsyncIterable<InvoiceSummary> {
    return paginate((cursor) => this.invoices({ ...query, ...(cursor ? { cursor } : {}) }));
  }

  invoice(invoiceId: string): Promise<Invoice> {
    // JSON unless CSV is asked for (invoiceCsv).
    return answer(
      this.raw.GET('/v1/invoices/{invoiceId}', { params: { path: { invoiceId } } }),
    ) as Promise<Invoice>;
  }

  /** The invoice as CSV (amounts in integer micro-units, for spreadsheets). */
  invoiceCsv(invoiceId: string): Promise<string> {
    return answer(
      this.raw.GET('/v1/invoices/{invoiceId}', {
        params: { path: { invoiceId }, query: { format: 'csv' } },
        parseAs: 'text',
      }),
    );
  }

  /** Committed capacity on sale as compute credits, cheapest first. */
  computeCreditOffers(gpuProduct?: string): Promise<ResponseOf<'listComputeCreditOffers'>> {
    return answer(
      this.raw.GET('/v1/compute-credits/offers', { params: { query: gpuProduct ? { gpuProduct } : {} } }),
    );
  }

  /** Buys GPU-hours at a locked price, paid from the balance now; jobs on the backing supplier draw on them. */
  buyComputeCredits(request: RequestOf<'buyComputeCredit'>, idempotencyKey?: string): Promise<ComputeCredit> {
    return answer(this.raw.POST('/v1/compute-credits', { body: request, ...keyed(idempotencyKey) }));
  }

  computeCredits(): Promise<ResponseOf<'listComputeCredits'>> {
    return answer(this.raw.GET('/v1/compute-credits'));
  }

  computeCredit(creditId: string): Promise<ComputeCredit> {
    return answer(this.raw.GET('/v1/compute-credits/{creditId}', { params: { path: { creditId } } }));
  }

  transferComputeCredits(
    creditId: string,
    request: RequestOf<'transferComputeCredit'>,
    idempotencyKey?: string,
  ): Promise<ComputeCreditTransfer> {
    return answer(
      this.raw.POST('/v1/compute-credits/{creditId}/transfers', {
        params: { path: { creditId } },
        body: request,
        ...keyed(idempotencyKey),
      }),
    );
  }

  /** Takes GPU-hours of a credit out to a wallet as ERC-1155 tokens (where the exchange runs its chain). */
  withdrawComputeCredits(
    creditId: string,
    request: RequestOf<'withdrawComputeCredit'>,
    idempotencyKey?: string,
  ): Promise<ComputeCreditWithdrawal> {
    return answer(
      this.raw.POST('/v1/compute-credits/{creditId}/withdrawals', {
        params: { path: { creditId } },
        body: request,
        ...keyed(idempotencyKey),
      }),
    );
  }

  computeCreditWithdrawals(creditId: string): Promise<ResponseOf<'listComputeCreditWithdrawals'>> {
    return answer(
      this.raw.GET('/v1/compute-credits/{creditId}/withdrawals', { params: { path: { creditId } } }),
    );
  }

  // ── suppliers ──────────────────────────────────────────────────────────────────────────────────────────
  supplier(): Promise<ResponseOf<'getSupplier'>> {
    return answer(this.raw.GET('/v1/suppliers/me'));
  }

  declareOffer(pool: string, offer: OfferTerms): Promise<ResponseOf<'declareOffer'>> {
    return answer(
      this.raw.PUT('/v1/suppliers/me/offers/{pool}', { params: { path: { pool } }, body: offer }),
    );
  }

  supplierNodes(): Promise<ResponseOf<'listSupplierNodes'>> {
    return answer(this.raw.GET('/v1/suppliers/me/nodes'));
  }

  earnings(): Promise<ResponseOf<'getSupplierEarnings'>> {
    return answer(this.raw.GET('/v1/suppliers/me/earnings'));
  }

  stake(nodeId: string, amount: string, autoCompound?: boolean): Promise<ResponseOf<'stake'>> {
    return answer(
      this.raw.POST('/v1/suppliers/me/stake', {
        body: { nodeId, amount, ...(autoCompound === undefined ? {} : { autoCompound }) },
      }),
    );
  }

  unstake(nodeId: string, amount: string): Promise<ResponseOf<'unstake'>> {
    return answer(this.raw.POST('/v1/suppliers/me/unstake', { body: { nodeId, amount } }));
  }

  /** GPU-seconds sold and earned per hour, and the supplier's rewards per closed epoch. */
  activity(query: QueryOf<'getSupplierActivity'> = {}): Promise<ResponseOf<'getSupplierActivity'>> {
    return answer(this.raw.GET('/v1/suppliers/me/activity', { params: { query } }));
  }

  rewards(): Promise<SupplierRewards> {
    return answer(this.raw.GET('/v1/suppliers/me/rewards'));
  }

  payout(request: RequestOf<'requestPayout'>, idempotencyKey?: string): Promise<SupplierPayout> {
    return answer(this.raw.POST('/v1/suppliers/me/payouts', { body: request, ...keyed(idempotencyKey) }));
  }

  registerWallet(address: string): Promise<ResponseOf<'registerWallet'>> {
    return answer(this.raw.PUT('/v1/suppliers/me/wallet', { body: { address } }));
  }

  payouts(query: QueryOf<'listPayouts'> = {}): Promise<Page<SupplierPayout>> {
    return answer(this.raw.GET('/v1/suppliers/me/payouts', { params: { query } }));
  }

  /** Commits GPU-hours of a GPU product until a date at an ask, for clients to buy as compute credits. */
  commitCapacity(
    request: RequestOf<'createCommitment'>,
    idempotencyKey?: string,
  ): Promise<CapacityCommitment> {
    return answer(this.raw.POST('/v1/suppliers/me/commitments', { body: request, ...keyed(idempotencyKey) }));
  }

  commitments(): Promise<ResponseOf<'listCommitments'>> {
    return answer(this.raw.GET('/v1/suppliers/me/commitments'));
  }

  // ── finance ────────────────────────────────────────────────────────────────────────────────────────────
  ledger(query: Omit<QueryOf<'getLedger'>, 'format'> = {}): Promise<ResponseOf<'getLedger'>> {
    return answer(this.raw.GET('/v1/finance/ledger', { params: { query } })) as Promise<
      ResponseOf<'getLedger'>
    >;
  }

  /** Per job another network ran: what it charged against what Gridex metered and owes it. */
  networkReconciliation(
    query: QueryOf<'getNetworkReconciliation'> = {},
  ): Promise<ResponseOf<'getNetworkReconciliation'>> {
    return answer(this.raw.GET('/v1/finance/networks/reconciliation', { params: { query } }));
  }

  trialBalance(): Promise<ResponseOf<'getTrialBalance'>> {
    return answer(this.raw.GET('/v1/finance/trial-balance'));
  }
}

export type JobEvent = ResponseOf<'streamJobEvents'>;
export interface JobStreamEnd {
  status: JobStatus;
  reason: string | null;
}
export type JobStreamEvent = { type: 'timeline'; event: JobEvent } | { type: 'end'; end: JobStreamEnd };

/** The events of a `text/event-stream` body: each one's id, name and data (comments skipped). */
export async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncIterable<{ id?: string; event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) yield { ...(id === undefined ? {} : { id }), event, data: data.join('\n') };
    }
  }
}

/** Every page of a list, one item at a time. */
export async function* paginate<T>(fetchPage: (cursor?: string) => Promise<Page<T>>): AsyncIterable<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** openapi-fetch's answer as its data, or its problem thrown as a GridexApiError. */
async function answer<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Exclude<T, undefined>> {
  const { data, error, response } = await call;
  if (response.ok) return data as Exclude<T, undefined>;
  throw new GridexApiError(problemOf(error, response));
}

function problemOf(error: unknown, response: Response): Problem {
  if (typeof error === 'object' && error !== null && 'code' in error && 'status' in error)
    return error as Problem;
  return {
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    code: 'HTTP.ERROR',
    detail: typeof error === 'string' ? error.slice(0, 500) : response.statusText,
  };
}

const keyed = (idempotencyKey?: string) =>
  idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {};

function authenticate(apiKey: string | undefined): Middleware {
  return {
    onRequest({ request }) {
      if (apiKey) request.headers.set('authorization', `Bearer ${apiKey}`);
      return request;
    },
  };
}

/** Every POST carries an Idempotency-Key (a fresh one unless the caller gave one), so its retries are safe. */
const idempotencyKeys: Middleware = {
  onRequest({ request }) {
    if (request.method === 'POST' && !request.headers.has('idempotency-key')) {
      // Web Crypto's global: the same client runs in Node and in the web console.
      request.headers.set('idempotency-key', globalThis.crypto.randomUUID());
    }
    return request;
  },
};

/**
 * A transport that retries 429 (after its Retry-After), 503 and network failures, sending the same request
 * (headers included, so a POST keeps its Idempotency-Key) each time.
 */
export function retrying(
  fetchFn: (request: Request) => Promise<Response>,
  retries: number,
): (request: Request) => Promise<Response> {
  return async (request) => {
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetchFn(request.clone());
      } catch (error) {
        if (attempt >= retries) throw error;
        await sleep(backoffMs(attempt));
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < retries) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await response.body?.cancel();
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoffMs(attempt));
        continue;
      }
      return response;
    }
  };
}

function backoffMs(attempt: number): number {
  return Math.min(5_000, 200 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
