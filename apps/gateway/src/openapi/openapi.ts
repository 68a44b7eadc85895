import { TokenDepositRequestSchema, TokenDepositSchema } from '../suppliers/token-deposits.controller';
import { z } from 'zod';
import { BalanceSchema, TopUpRequestSchema, TopUpSchema } from '../credits/credits.controller';
import { EarningsSchema, UsagePageSchema } from '../credits/usage';
import { JobSpecSchema } from '../jobs/job-spec';
import {
  DeadLetterPageSchema,
  DeadLetterSummarySchema,
  ReplayRequestSchema,
} from '../operations/dead-letters';
import { OfferPageSchema } from '../quotes/offers.controller';
import { QuoteSchema } from '../quotes/quotes.controller';
import { JobViewSchema } from '../jobs/jobs.controller';
import {
  InvoicePageSchema,
  InvoiceSchema,
  LedgerPageSchema,
  TrialBalanceSchema,
  NetworkReconciliationSchema,
} from '../invoices/invoices.controller';
import { ClustersSchema, FleetSchema, NetworksSchema } from '../operations/fleet.controller';
import {
  ComputeCreditOffersSchema,
  ComputeCreditPageSchema,
  ComputeCreditPurchaseSchema,
  ComputeCreditSchema,
  ComputeCreditTransferSchema,
  ComputeCreditTransferViewSchema,
  ComputeCreditWithdrawalPageSchema,
  ComputeCreditWithdrawalRequestSchema,
  ComputeCreditWithdrawalSchema,
} from '../credits/compute-credits.controller';
import {
  CommitmentPageSchema,
  CommitmentRequestSchema,
  CommitmentSchema,
} from '../suppliers/commitments.controller';
import {
  OfferAcceptedSchema,
  OfferRequestSchema,
  PayoutRequestSchema,
  PayoutPageSchema,
  PayoutSchema,
  WalletRequestSchema,
  WalletSchema,
  RewardsSchema,
  StakeRequestSchema,
  StakeViewSchema,
  SupplierNodesSchema,
  SupplierSchema,
  UnstakeRequestSchema,
} from '../suppliers/suppliers.controller';
import {
  ApiKeyCreatedSchema,
  CreateApiKeySchema,
  CreateTenantSchema,
  TenantSchema,
  SignedUpSchema,
  SignUpSchema,
  TenantShareSchema,
  TenantShareViewSchema,
} from '../tenants/tenants.controller';

/** One operation of the public API, described from the same zod schemas the handlers validate with. */
interface Operation {
  method: 'get' | 'post' | 'put';
  path: string;
  summary: string;
  roles: string[];
  /** Callable without a key too (limited per client address). */
  public?: boolean;
  request?: z.ZodType;
  response: z.ZodType;
  status: number;
  errors: number[];
}

const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('Stable machine-readable code, e.g. AUTH.UNAUTHENTICATED'),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  correlationId: z.string().optional(),
});

const MeSchema = z.object({ tenantId: z.string(), role: z.string(), keyId: z.string() });
const JobAcceptedSchema = z.object({ id: z.string(), status: z.string() });
const JobPageSchema = z.object({ items: z.array(JobViewSchema), nextCursor: z.string().nullable() });

/** The operations the gateway serves; a test checks the server answers what this says. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/v1/tenants',
    summary: 'Create a tenant (client or supplier)',
    roles: ['operator'],
    request: CreateTenantSchema,
    response: TenantSchema,
    status: 201,
    errors: [400, 401, 403, 409, 422, 429],
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}',
    summary: 'Read a tenant',
    roles: ['operator'],
    response: TenantSchema,
    status: 200,
    errors: [401, 403, 404, 429],
  },
  {
    method: 'post',
    path: '/v1/signup',
    summary:
      'Sign up a client or supplier tenant, with a key of its kind (waits for approval where the exchange requires it)',
    roles: [],
    public: true,
    request: SignUpSchema,
    response: SignedUpSchema,
    status: 201,
    errors: [400, 403, 429],
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/approve',
    summary: 'Approve a tenant that signed itself up: its keys work, and a supplier reaches inventory',
    roles: ['operator'],
    response: TenantSchema,
    status: 200,
    errors: [401, 403, 404, 429],
  },
  {
    method: 'put',
    path: '/v1/tenants/{tenantId}/share',
    summary: "A tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set)",
    roles: ['operator'],
    request: TenantShareSchema,
    response: TenantShareViewSchema,
    status: 200,
    errors: [400, 401, 403, 404, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/api-keys',
    summary: "Create an API key for a tenant (shown once; a client tenant's keys are client or finance)",
    roles: ['operator'],
    request: CreateApiKeySchema,
    response: ApiKeyCreatedSchema,
    status: 201,
    errors: [400, 401, 403, 404, 409, 422, 429],
  },
  {
    method: 'get',
    path: '/v1/me',
    summary: "The calling key's tenant and role",
    roles: ['operator', 'client', 'supplier', 'finance'],
    response: MeSchema,
    status: 200,
    errors: [401, 429],
  },
  {
    method: 'get',
    path: '/v1/offers',
    summary:
      'Search sellable offers (gpuProduct, region, minGpuMemoryGb, maxPricePerGpuHour, verifiedOnly, sort, cursor)',
    roles: ['client', 'supplier', 'operator'],
    public: true,
    response: OfferPageSchema,
    status: 200,
    errors: [400, 401, 403, 429, 504],
  },
  {
    method: 'post',
    path: '/v1/quotes',
    summary:
      'What a job would get now: feasible or not, the offers and estimated cost, or the reasons nothing fits',
    roles: ['client'],
    request: JobSpecSchema,
    response: QuoteSchema,
    status: 200,
    errors: [400, 401, 403, 409, 422, 429, 504],
  },
  {
    method: 'post',
    path: '/v1/jobs',
    summary: 'Submit a job; it is matched, queued or explained asynchronously (poll GET /v1/jobs/{jobId})',
    roles: ['client'],
    request: JobSpecSchema,
    response: JobAcceptedSchema,
    status: 202,
    errors: [400, 401, 403, 409, 422, 429],
  },
  {
    method: 'get',
    path: '/v1/jobs',
    summary: "The caller's jobs, newest first (cursor pagination: `limit`, `cursor`)",
    roles: ['client'],
    response: JobPageSchema,
    status: 200,
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/jobs/{jobId}',
    summary: "A job: status, allocation, price and timeline (another tenant's job answers 404)",
    roles: ['client'],
    response: JobViewSchema,
    status: 200,
    errors: [401, 403, 404, 429],
  },
  {
    method: 'post',
    path: '/v1/jobs/{jobId}/cancel',
    summary: 'Cancel a job (a queued job at once; a running one when its workload has stopped)',
    roles: ['client'],
    response: JobAcceptedSchema,
    status: 202,
    errors: [401, 403, 404, 409, 429],
  },
  {
    method: 'post',
    path: '/v1/credits',
    summary:
      'Top up credit, e.g. { "amount": "500.00" }; billing charges the payment method (poll GET /v1/credits/{topUpId})',
    roles: ['client'],
    request: TopUpRequestSchema,
    response: TopUpSchema,
    status: 202,
    errors: [400, 401, 403, 409, 422, 429],
  },
  {
    method: 'get',
    path: '/v1/credits/{topUpId}',
    summary: 'A top-up: pending, credited or declined (with the reason)',
    roles: ['client'],
    response: TopUpSchema,
    status: 200,
    errors: [401, 403, 404, 429],
  },
  {
    method: 'get',
    path: '/v1/balance',
    summary: "The caller's available and held credit, in USD",
    roles: ['client'],
    response: BalanceSchema,
    status: 200,
    errors: [401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/usage',
    summary: 'Settled usage per job, in USD (`jobId` for one job; `limit`, `cursor`)',
    roles: ['client'],
    response: UsagePageSchema,
    status: 200,
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/dlq',
    summary: 'Dead-letter topics that hold messages, with their counts',
    roles: ['operator'],
    response: DeadLetterSummarySchema,
    status: 200,
    errors: [401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/dlq/{topic}',
    summary: "A topic's newest dead-lettered messages with why they were set aside (`limit`, default 20)",
    roles: ['operator'],
    response: DeadLetterPageSchema,
    status: 200,
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'post',
    path: '/v1/dlq/{topic}/replay',
    summary: 'Re-publish dead-lettered messages (by offset) to their source topic; safe to repeat',
    roles: ['operator'],
    request: ReplayRequestSchema,
    response: z.object({ replayed: z.number().int() }),
    status: 200,
    errors: [400, 401, 403, 404, 409, 422, 429],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/earnings',
    summary: "The calling supplier's earnings from settled work, in USD",
    roles: ['supplier'],
    response: EarningsSchema,
    status: 200,
    errors: [401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me',
    summary: 'The calling supplier and its pools (nodes, GPUs, ready nodes)',
    roles: ['supplier'],
    response: SupplierSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'put',
    path: '/v1/suppliers/me/offers/{pool}',
    summary: "Set a pool's price and lease terms (replaces its offer; nodes labelled gridex.io/pool)",
    roles: ['supplier'],
    request: OfferRequestSchema,
    response: OfferAcceptedSchema,
    status: 202,
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/nodes',
    summary: "The supplier's nodes: readiness, GPUs, verification, reliability, price",
    roles: ['supplier'],
    response: SupplierNodesSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/suppliers/me/stake',
    summary: 'Stake tokens on a node (a node earns emissions only with its minimum stake)',
    roles: ['supplier'],
    request: StakeRequestSchema,
    response: StakeViewSchema,
    status: 200,
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/suppliers/me/unstake',
    summary: 'Unstake tokens from a node; they unbond for the unbonding period',
    roles: ['supplier'],
    request: UnstakeRequestSchema,
    response: StakeViewSchema.extend({ unbonding: z.object({ amount: z.string(), releaseAt: z.string() }) }),
    status: 200,
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/rewards',
    summary: 'Tokens by account (available, bonded, unbonding, pending payout, paid), stakes and unbondings',
    roles: ['supplier'],
    response: RewardsSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/suppliers/me/payouts',
    summary: 'Ask to be paid earnings (USD) and/or tokens; Idempotency-Key required',
    roles: ['supplier'],
    request: PayoutRequestSchema,
    response: PayoutSchema,
    status: 201,
    errors: [400, 401, 403, 409, 422, 429, 503],
  },
  {
    method: 'put',
    path: '/v1/suppliers/me/wallet',
    summary: 'Register the EVM address token payouts are minted to',
    roles: ['supplier'],
    request: WalletRequestSchema,
    response: WalletSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/wallet',
    summary: 'The wallet token payouts go to',
    roles: ['supplier'],
    response: WalletSchema,
    status: 200,
    errors: [401, 403, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/payouts',
    summary: "The supplier's payouts, newest first, each with its money and token status (`limit`, `cursor`)",
    roles: ['supplier'],
    response: PayoutPageSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/suppliers/{supplierId}/token-deposits',
    summary: 'Record tokens a supplier transferred off the chain (credited once per reference)',
    roles: ['operator'],
    request: TokenDepositRequestSchema,
    response: TokenDepositSchema,
    status: 200,
    errors: [400, 401, 403, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/suppliers/me/commitments',
    summary:
      'Commit GPU-hours of a GPU product until a date at an ask; clients buy them as compute credits (Idempotency-Key required)',
    roles: ['supplier'],
    request: CommitmentRequestSchema,
    response: CommitmentSchema,
    status: 201,
    errors: [400, 401, 403, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/suppliers/me/commitments',
    summary: "The supplier's capacity commitments with the GPU-hours sold and used",
    roles: ['supplier'],
    response: CommitmentPageSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/compute-credits/offers',
    summary: 'Committed capacity on sale as compute credits, cheapest first (`gpuProduct` to narrow)',
    roles: ['client'],
    response: ComputeCreditOffersSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/compute-credits',
    summary:
      'Buy GPU-hours of a GPU product at a locked price, paid now; jobs on the backing supplier draw on them first (Idempotency-Key required)',
    roles: ['client'],
    request: ComputeCreditPurchaseSchema,
    response: ComputeCreditSchema,
    status: 201,
    errors: [400, 401, 402, 403, 409, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/compute-credits',
    summary: "The caller's compute credits with their balances and expiry",
    roles: ['client'],
    response: ComputeCreditPageSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/compute-credits/{creditId}',
    summary: 'One compute credit the caller holds',
    roles: ['client'],
    response: ComputeCreditSchema,
    status: 200,
    errors: [401, 403, 404, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/compute-credits/{creditId}/transfers',
    summary: 'Give GPU-hours of a compute credit to another client tenant (Idempotency-Key required)',
    roles: ['client'],
    request: ComputeCreditTransferSchema,
    response: ComputeCreditTransferViewSchema,
    status: 201,
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/compute-credits/{creditId}/withdrawals',
    summary:
      'Take GPU-hours of a compute credit out to a wallet as ERC-1155 tokens, where the chain is on (Idempotency-Key required)',
    roles: ['client'],
    request: ComputeCreditWithdrawalRequestSchema,
    response: ComputeCreditWithdrawalSchema,
    status: 201,
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/compute-credits/{creditId}/withdrawals',
    summary: "The credit's withdrawals to wallets, with their mint transactions",
    roles: ['client'],
    response: ComputeCreditWithdrawalPageSchema,
    status: 200,
    errors: [401, 403, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/invoices',
    summary:
      "Invoices, newest first (the caller's tenant; platform finance: every tenant, `tenantId` to narrow)",
    roles: ['client', 'finance'],
    response: InvoicePageSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/invoices/{invoiceId}',
    summary: 'One invoice with its lines: JSON, or CSV with `Accept: text/csv` or `?format=csv`',
    roles: ['client', 'finance'],
    response: InvoiceSchema,
    status: 200,
    errors: [400, 401, 403, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/finance/ledger',
    summary: 'Ledger transactions and postings in recording order (`from`, `to`, `limit`, `cursor`; CSV too)',
    roles: ['finance'],
    response: LedgerPageSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/finance/trial-balance',
    summary: "Every ledger account's balance; the total is zero when the books balance",
    roles: ['finance'],
    response: TrialBalanceSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/finance/networks/reconciliation',
    summary:
      'Per job another network ran: its charge against what Gridex metered and owes it, flagged (`networkId`, paging)',
    roles: ['finance'],
    response: NetworkReconciliationSchema,
    status: 200,
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/fleet',
    summary: 'Nodes and GPUs per region and GPU product, with totals',
    roles: ['operator'],
    response: FleetSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/clusters',
    summary: 'The Kubernetes clusters with nodes in the fleet, with their counts',
    roles: ['operator'],
    response: ClustersSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/networks',
    summary: 'The other compute networks the exchange may route to, with their circuit breakers and offers',
    roles: ['operator'],
    response: NetworksSchema,
    status: 200,
    errors: [401, 403, 429, 503],
  },
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' });

/** The OpenAPI 3.1 document of the public API. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (op.method === 'post' || op.method === 'put') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string' },
      } as never);
    }
    paths[op.path] = {
      ...(paths[op.path] ?? {}),
      [op.method]: {
        summary: op.summary,
        description: op.public
          ? `Anyone, without a key (limited per client address)${op.roles.length ? `; with a key: ${op.roles.join(', ')}` : ''}.`
          : `Roles: ${op.roles.join(', ')}.`,
        ...(op.public ? { security: [{}, { apiKey: [] }] } : {}),
        parameters,
        ...(op.request
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: jsonSchema(op.request) } },
              },
            }
          : {}),
        responses: {
          [String(op.status)]: {
            description: 'OK',
            content: {
              'application/json': { schema: z.toJSONSchema(op.response, { target: 'openapi-3.0' }) },
            },
          },
          ...Object.fromEntries(
            op.errors.map((status) => [
              String(status),
              {
                description: 'A problem (RFC 9457)',
                content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
              },
            ]),
          ),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gridex API',
      version: '1',
      description:
        'The public API of the Gridex GPU compute exchange. Authenticate with `Authorization: Bearer <api key>`. ' +
        'Every POST accepts `Idempotency-Key`. Errors are `application/problem+json` with a stable `code`.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: z.toJSONSchema(ProblemSchema, { target: 'openapi-3.0' }) },
    },
    paths,
  };
}
