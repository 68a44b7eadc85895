import { randomUUID } from 'node:crypto';
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
  JobSpec,
  JobStatus,
  OfferTerms,
  Page,
  Problem,
  Quote,
  SupplierPayout,
  SupplierRewards,
  TenantKind,
  TopUp,
} from './types';

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
  /** The gateway, e.g. http://127.0.0.1:8080 (GRIDEX_API_URL). */
  baseUrl: string;
  /** An API key (shown once when created). */
  apiKey: string;
  /** Retries of a 429, 503 or a network error (each POST keeps its Idempotency-Key, so a retry is safe). */
  retries?: number;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined>;

const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/**
 * The Gridex API as typed methods. Every POST carries an Idempotency-Key (yours, or a fresh one), so the
 * client retries 429 (after Retry-After), 503 and network failures without doing anything twice. Lists come
 * one page at a time (`nextCursor`) or all at once through `all…` async iterators.
 */
export class GridexClient {
  private readonly baseUrl: string;
  private readonly retries: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: GridexClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retries = options.retries ?? 3;
    this.fetchFn = options.fetch ?? fetch;
  }

  // ── anyone ─────────────────────────────────────────────────────────────────────────────────────────────
  me(): Promise<{ tenantId: string; role: string; keyId: string }> {
    return this.get('/v1/me');
  }

  // ── operators ──────────────────────────────────────────────────────────────────────────────────────────
  createTenant(tenant: {
    /** Default: generated. For a supplier whose nodes already carry gridex.io/supplier=<id>. */
    id?: string;
    name: string;
    kind: TenantKind;
    supplierKind?: 'datacenter' | 'individual' | 'network';
    region?: string;
  }): Promise<{ id: string; name: string; kind: TenantKind; createdAt: string }> {
    return this.post('/v1/tenants', tenant);
  }

  /** Records tokens a supplier transferred to the platform off the chain (once per reference). */
  recordTokenDeposit(
    supplierId: string,
    amount: string,
    reference: string,
  ): Promise<{ supplierId: string; amount: string; reference: string; credited: boolean }> {
    return this.post(`/v1/suppliers/${encodeURIComponent(supplierId)}/token-deposits`, { amount, reference });
  }

  createApiKey(
    tenantId: string,
    role: 'operator' | 'client' | 'supplier' | 'finance',
  ): Promise<{ key: string; keyId: string; tenantId: string; role: string }> {
    return this.post(`/v1/tenants/${encodeURIComponent(tenantId)}/api-keys`, { role });
  }

  /** Operator: a tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set). */
  setTenantShare(
    tenantId: string,
    weight: number,
  ): Promise<{ tenantId: string; weight: number; setAt: string }> {
    return this.request('PUT', `/v1/tenants/${encodeURIComponent(tenantId)}/share`, { body: { weight } });
  }

  fleet(): Promise<Fleet> {
    return this.get('/v1/fleet');
  }

  clusters(): Promise<{ items: Array<Record<string, unknown>> }> {
    return this.get('/v1/clusters');
  }

  /** The other compute networks the exchange may route to, with their circuit breakers and offers. */
  networks(): Promise<{
    items: Array<{ id: string; breaker: string; lastError: string | null; offers: number }>;
  }> {
    return this.get('/v1/networks');
  }

  deadLetters(): Promise<{ items: Array<{ topic: string; messages: number }> }> {
    return this.get('/v1/dlq');
  }

  // ── clients ────────────────────────────────────────────────────────────────────────────────────────────
  quote(spec: JobSpec): Promise<Quote> {
    return this.post('/v1/quotes', spec);
  }

  submitJob(spec: JobSpec, idempotencyKey?: string): Promise<{ id: string; status: JobStatus }> {
    return this.post('/v1/jobs', spec, idempotencyKey);
  }

  job(jobId: string): Promise<Job> {
    return this.get(`/v1/jobs/${encodeURIComponent(jobId)}`);
  }

  jobs(page: { limit?: number; cursor?: string } = {}): Promise<Page<Job>> {
    return this.get('/v1/jobs', page);
  }

  allJobs(): AsyncIterable<Job> {
    return this.pages((cursor) => this.jobs({ cursor, limit: 200 }));
  }

  cancelJob(jobId: string): Promise<Job> {
    return this.post(`/v1/jobs/${encodeURIComponent(jobId)}/cancel`, {});
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

  offers(query: Query = {}): Promise<Page<Record<string, unknown>>> {
    return this.get('/v1/offers', query);
  }

  balance(): Promise<Balance> {
    return this.get('/v1/balance');
  }

  addCredits(amount: string, paymentMethod = 'pm_test_visa', idempotencyKey?: string): Promise<TopUp> {
    return this.post('/v1/credits', { amount, paymentMethod }, idempotencyKey);
  }

  topUp(topUpId: string): Promise<TopUp> {
    return this.get(`/v1/credits/${encodeURIComponent(topUpId)}`);
  }

  usage(
    query: { jobId?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<{ jobId: string; gpuSeconds: number; amount: string }>> {
    return this.get('/v1/usage', query);
  }

  invoices(
    query: { tenantId?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<InvoiceSummary>> {
    return this.get('/v1/invoices', query);
  }

  invoice(invoiceId: string): Promise<Invoice> {
    return this.get(`/v1/invoices/${encodeURIComponent(invoiceId)}`);
  }

  /** The invoice as CSV (amounts in integer micro-units, for spreadsheets). */
  async invoiceCsv(invoiceId: string): Promise<string> {
    const response = await this.send('GET', `/v1/invoices/${encodeURIComponent(invoiceId)}`, {
      accept: 'text/csv',
    });
    return response.text();
  }

  /** Committed capacity on sale as compute credits, cheapest first. */
  computeCreditOffers(gpuProduct?: string): Promise<{
    items: Array<{
      commitmentId: string;
      supplierId: string;
      gpuProduct: string;
      gpuHoursAvailable: string;
      pricePerGpuHour: string;
      availableUntil: string;
    }>;
  }> {
    return this.get('/v1/compute-credits/offers', gpuProduct ? { gpuProduct } : {});
  }

  /** Buys GPU-hours at a locked price, paid from the balance now; jobs on the backing supplier draw on them. */
  buyComputeCredits(
    request: { gpuProduct: string; gpuHours: string; commitmentId?: string; maxPricePerGpuHour?: string },
    idempotencyKey?: string,
  ): Promise<ComputeCredit> {
    return this.post('/v1/compute-credits', request, idempotencyKey);
  }

  computeCredits(): Promise<{ items: ComputeCredit[] }> {
    return this.get('/v1/compute-credits');
  }

  computeCredit(creditId: string): Promise<ComputeCredit> {
    return this.get(`/v1/compute-credits/${encodeURIComponent(creditId)}`);
  }

  transferComputeCredits(
    creditId: string,
    request: { toTenantId: string; gpuHours: string },
    idempotencyKey?: string,
  ): Promise<ComputeCreditTransfer> {
    return this.post(
      `/v1/compute-credits/${encodeURIComponent(creditId)}/transfers`,
      request,
      idempotencyKey,
    );
  }

  /** Takes GPU-hours of a credit out to a wallet as ERC-1155 tokens (where the exchange runs its chain). */
  withdrawComputeCredits(
    creditId: string,
    request: { gpuHours: string; address: string },
    idempotencyKey?: string,
  ): Promise<ComputeCreditWithdrawal> {
    return this.post(
      `/v1/compute-credits/${encodeURIComponent(creditId)}/withdrawals`,
      request,
      idempotencyKey,
    );
  }

  computeCreditWithdrawals(creditId: string): Promise<{ items: ComputeCreditWithdrawal[] }> {
    return this.get(`/v1/compute-credits/${encodeURIComponent(creditId)}/withdrawals`);
  }

  // ── suppliers ──────────────────────────────────────────────────────────────────────────────────────────
  supplier(): Promise<{ supplierId: string; name: string; pools: Array<Record<string, unknown>> }> {
    return this.get('/v1/suppliers/me');
  }

  declareOffer(pool: string, offer: OfferTerms): Promise<{ offerId: string; pool: string; status: string }> {
    return this.request('PUT', `/v1/suppliers/me/offers/${encodeURIComponent(pool)}`, { body: offer });
  }

  supplierNodes(): Promise<Page<Record<string, unknown>>> {
    return this.get('/v1/suppliers/me/nodes');
  }

  earnings(): Promise<{ total: string; jobs: number; gpuSeconds: number }> {
    return this.get('/v1/suppliers/me/earnings');
  }

  stake(nodeId: string, amount: string, autoCompound?: boolean): Promise<Record<string, unknown>> {
    return this.post('/v1/suppliers/me/stake', {
      nodeId,
      amount,
      ...(autoCompound === undefined ? {} : { autoCompound }),
    });
  }

  unstake(nodeId: string, amount: string): Promise<Record<string, unknown>> {
    return this.post('/v1/suppliers/me/unstake', { nodeId, amount });
  }

  rewards(): Promise<SupplierRewards> {
    return this.get('/v1/suppliers/me/rewards');
  }

  payout(request: { amount?: string; tokens?: string }, idempotencyKey?: string): Promise<SupplierPayout> {
    return this.post('/v1/suppliers/me/payouts', request, idempotencyKey);
  }

  registerWallet(address: string): Promise<{ address: string; registeredAt: string }> {
    return this.request('PUT', '/v1/suppliers/me/wallet', { body: { address } });
  }

  payouts(query: { limit?: number; cursor?: string } = {}): Promise<Page<SupplierPayout>> {
    return this.get('/v1/suppliers/me/payouts', query);
  }

  /** Commits GPU-hours of a GPU product until a date at an ask, for clients to buy as compute credits. */
  commitCapacity(
    request: { gpuProduct: string; gpuHours: string; askPerGpuHour: string; availableUntil: string },
    idempotencyKey?: string,
  ): Promise<CapacityCommitment> {
    return this.post('/v1/suppliers/me/commitments', request, idempotencyKey);
  }

  commitments(): Promise<{ items: CapacityCommitment[] }> {
    return this.get('/v1/suppliers/me/commitments');
  }

  // ── finance ────────────────────────────────────────────────────────────────────────────────────────────
  ledger(
    query: { from?: string; to?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Record<string, unknown>>> {
    return this.get('/v1/finance/ledger', query);
  }

  trialBalance(): Promise<{
    accounts: Array<{ account: string; balance: string }>;
    total: string;
    balanced: boolean;
  }> {
    return this.get('/v1/finance/trial-balance');
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────────────────
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request('GET', path, { query });
  }

  post<T>(path: string, body: unknown, idempotencyKey?: string): Promise<T> {
    return this.request('POST', path, { body, idempotencyKey: idempotencyKey ?? randomUUID() });
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { query?: Query; body?: unknown; idempotencyKey?: string },
  ): Promise<T> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    // The path stays relative to baseUrl, so a gateway behind a path prefix (https://host/gridex) works too.
    const response = await this.send(
      method,
      query.size > 0 ? `${path}?${query}` : path,
      {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      options.body === undefined ? undefined : JSON.stringify(options.body),
    );
    return (await response.json()) as T;
  }

  /** One call with retries; a problem answer becomes a GridexApiError. */
  private async send(method: string, pathAndQuery: string, headers: Record<string, string>, body?: string) {
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.fetchFn(`${this.baseUrl}${pathAndQuery}`, {
          method,
          headers: { authorization: `Bearer ${this.options.apiKey}`, ...headers },
          body,
        });
      } catch (error) {
        if (attempt >= this.retries) throw error;
        await sleep(backoffMs(attempt));
        continue;
      }
      if (response.ok) return response;
      if ((response.status === 429 || response.status === 503) && attempt < this.retries) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoffMs(attempt));
        continue;
      }
      const text = await response.text();
      let problem: Problem;
      try {
        problem = JSON.parse(text) as Problem;
      } catch {
        problem = {
          type: 'about:blank',
          title: response.statusText,
          status: response.status,
          code: 'HTTP.ERROR',
          detail: text.slice(0, 500),
        };
      }
      throw new GridexApiError(problem);
    }
  }

  private async *pages<T>(fetchPage: (cursor?: string) => Promise<Page<T>>): AsyncIterable<T> {
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}

function backoffMs(attempt: number): number {
  return Math.min(5_000, 200 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
