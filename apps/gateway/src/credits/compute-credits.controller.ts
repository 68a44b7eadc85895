import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { GpuProductSchema, IdSchema, money } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { GatewayConfig } from '../config/gateway.config';
import { decimalAmountSchema, decimalToMicros, toApiUnits } from '../domain/api-money';
import { gpuHoursFromSeconds, gpuHoursSchema, gpuSecondsFromHours } from '../domain/gpu-hours';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ServiceClient } from '../internal/service-client';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

const KeySchema = z
  .string({ error: 'Idempotency-Key is required: a purchase or transfer must never happen twice' })
  .regex(/^[A-Za-z0-9._:-]{8,200}$/, 'must be 8 to 200 letters, digits, . _ : -');

export function idempotencyKeyFrom(value: string | undefined): string {
  return validated(
    KeySchema,
    value,
    'REQUEST.IDEMPOTENCY_KEY_REQUIRED',
    'the Idempotency-Key header is required',
  );
}

export const ComputeCreditPurchaseSchema = z.strictObject({
  gpuProduct: GpuProductSchema,
  gpuHours: z
    .string()
    .regex(/^[1-9]\d{0,6}$/, 'must be a whole number of GPU-hours such as "100"')
    .describe('Whole GPU-hours to buy'),
  commitmentId: z
    .uuid()
    .optional()
    .describe('Buy from this commitment (default: the cheapest that has them)'),
  maxPricePerGpuHour: decimalAmountSchema('USD', '2.50').optional().describe('Refuse a price above this'),
});
export const ComputeCreditTransferSchema = z.strictObject({
  toTenantId: IdSchema.describe('The client tenant that receives the GPU-hours'),
  gpuHours: gpuHoursSchema.describe('GPU-hours to give, up to two decimals'),
});
export const ComputeCreditSchema = z.object({
  creditId: z.string(),
  gpuProduct: z.string(),
  supplierId: z.string().describe('Whose committed capacity backs the credit; jobs draw on it on its nodes'),
  commitmentId: z.string(),
  pricePerGpuHour: z.string().describe('USD, locked at purchase'),
  purchasedBy: z.string(),
  purchasedGpuHours: z.string(),
  balanceGpuHours: z.string().describe('What the caller holds, exact to the GPU-second'),
  availableGpuHours: z.string().describe('Not reserved by running jobs: what new jobs and transfers can use'),
  reservedGpuHours: z.string(),
  value: z.string().describe('USD: the balance at the locked price'),
  expiresAt: z.string().describe('Unused GPU-hours are forfeited then'),
  status: z.enum(['active', 'expired']),
});
export const ComputeCreditPageSchema = z.object({ items: z.array(ComputeCreditSchema) });
export const ComputeCreditTransferViewSchema = z.object({
  transferId: z.string(),
  creditId: z.string(),
  fromTenantId: z.string(),
  toTenantId: z.string(),
  gpuHours: z.string(),
  transferredAt: z.string(),
});
export const ComputeCreditWithdrawalRequestSchema = z.strictObject({
  gpuHours: gpuHoursSchema.describe('GPU-hours to take out, up to two decimals'),
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
    .describe('The wallet the ERC-1155 tokens (one per GPU-second) are minted to'),
});
export const ComputeCreditWithdrawalSchema = z.object({
  withdrawalId: z.string(),
  creditId: z.string(),
  address: z.string(),
  gpuHours: z.string(),
  state: z
    .enum(['pending', 'submitted', 'minted', 'failed'])
    .describe('submitted: sent, awaiting confirmations'),
  transactionHash: z.string().nullable(),
  failureReason: z.string().nullable(),
  requestedAt: z.string(),
});
export const ComputeCreditWithdrawalPageSchema = z.object({ items: z.array(ComputeCreditWithdrawalSchema) });
export const ComputeCreditOfferQuerySchema = z.strictObject({
  gpuProduct: GpuProductSchema.optional().describe('Only this GPU product'),
});
export const ComputeCreditOffersSchema = z.object({
  items: z.array(
    z.object({
      commitmentId: z.string(),
      supplierId: z.string(),
      gpuProduct: z.string(),
      gpuHoursAvailable: z.string(),
      pricePerGpuHour: z.string().describe('USD: what a credit bought now is locked at'),
      availableUntil: z.string(),
    }),
  ),
});

interface HoldingAnswer {
  creditId: string;
  purchasedGpuSeconds: number;
  balanceGpuSeconds: number;
  availableGpuSeconds: number;
  reservedGpuSeconds: number;
  [field: string]: unknown;
}

interface WithdrawalAnswer {
  gpuSeconds: number;
  [field: string]: unknown;
}

function withdrawalView({ gpuSeconds, ...rest }: WithdrawalAnswer) {
  return { ...rest, gpuHours: gpuHoursFromSeconds(gpuSeconds) };
}

/** A holding in the API's units: GPU-hours as decimal strings, money in USD; the holder is the caller. */
export function computeCreditView(answer: HoldingAnswer) {
  const { purchasedGpuSeconds, balanceGpuSeconds, availableGpuSeconds, reservedGpuSeconds, ...rest } = answer;
  return toApiUnits({
    ...rest,
    tenantId: undefined,
    purchasedGpuHours: gpuHoursFromSeconds(purchasedGpuSeconds),
    balanceGpuHours: gpuHoursFromSeconds(balanceGpuSeconds),
    availableGpuHours: gpuHoursFromSeconds(availableGpuSeconds),
    reservedGpuHours: gpuHoursFromSeconds(reservedGpuSeconds),
  });
}

/**
 * Compute credits, for clients: blocks of GPU-hours of one GPU product bought at a locked price from a
 * supplier's committed capacity, given in part to other tenants, and spent by jobs that run on that supplier's
 * nodes of that product before any money is (billing decides, when a job is matched). Billing owns them; the
 * gateway scopes every call to the caller's tenant. Purchases and transfers need an Idempotency-Key, which is
 * also billing's key.
 */
@ApiTag('Compute credits')
@Controller('v1/compute-credits')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('client')
export class ComputeCreditsController {
  private readonly tenants: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.tenants = qualified(config.DATABASE_SCHEMA, 'tenants');
  }

  /** Committed capacity on sale, cheapest first, at the price a credit bought now would lock. */
  @ApiOperation({
    operationId: 'listComputeCreditOffers',
    summary: 'Committed capacity on sale as compute credits, cheapest first (`gpuProduct` to narrow)',
    query: ComputeCreditOfferQuerySchema,
    response: ComputeCreditOffersSchema,
    errors: [400, 503],
  })
  @Get('offers')
  async offers(@Query() query: unknown) {
    const { gpuProduct } = validated(
      ComputeCreditOfferQuerySchema,
      query,
      'REQUEST.INVALID',
      'the query is invalid',
    );
    const page = await this.services.json<{
      items: Array<{ gpuSecondsAvailable: number; [field: string]: unknown }>;
    }>('billing', '/v1/compute-credits/offers', { query: { gpuProduct } });
    return {
      items: page.items.map(({ gpuSecondsAvailable, ...offer }) =>
        toApiUnits({ ...offer, gpuHoursAvailable: gpuHoursFromSeconds(gpuSecondsAvailable) }),
      ),
    };
  }

  @ApiOperation({
    operationId: 'buyComputeCredit',
    summary:
      'Buy GPU-hours of a GPU product at a locked price, paid now; jobs on the backing supplier draw on them first (Idempotency-Key required)',
    request: ComputeCreditPurchaseSchema,
    response: ComputeCreditSchema,
    errors: [400, 402, 409, 422, 503],
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  async purchase(
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = idempotencyKeyFrom(idempotencyKey);
    const request = parseBody(ComputeCreditPurchaseSchema, body);
    const holding = await this.services.json<HoldingAnswer>('billing', this.path(caller), {
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: {
        gpuProduct: request.gpuProduct,
        gpuSeconds: gpuSecondsFromHours(request.gpuHours),
        ...(request.commitmentId ? { commitmentId: request.commitmentId } : {}),
        ...(request.maxPricePerGpuHour
          ? { maxPricePerGpuHour: money('USD', decimalToMicros(request.maxPricePerGpuHour)) }
          : {}),
      },
    });
    return computeCreditView(holding);
  }

  @ApiOperation({
    operationId: 'listComputeCredits',
    summary: "The caller's compute credits with their balances and expiry",
    response: ComputeCreditPageSchema,
    errors: [503],
  })
  @Get()
  async list(@Caller() caller: Principal) {
    const page = await this.services.json<{ items: HoldingAnswer[] }>('billing', this.path(caller));
    return { items: page.items.map(computeCreditView) };
  }

  @ApiOperation({
    operationId: 'getComputeCredit',
    summary: 'One compute credit the caller holds',
    response: ComputeCreditSchema,
    errors: [404, 503],
  })
  @Get(':creditId')
  async get(@Caller() caller: Principal, @Param('creditId') creditId: string) {
    const id = this.creditId(creditId);
    return computeCreditView(await this.services.json<HoldingAnswer>('billing', this.path(caller, id)));
  }

  /** Gives GPU-hours of a credit the caller holds to another client tenant. */
  @ApiOperation({
    operationId: 'transferComputeCredit',
    summary: 'Give GPU-hours of a compute credit to another client tenant (Idempotency-Key required)',
    request: ComputeCreditTransferSchema,
    response: ComputeCreditTransferViewSchema,
    errors: [400, 404, 409, 422, 503],
  })
  @Post(':creditId/transfers')
  @HttpCode(HttpStatus.CREATED)
  async transfer(
    @Caller() caller: Principal,
    @Param('creditId') creditId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = idempotencyKeyFrom(idempotencyKey);
    const id = this.creditId(creditId);
    const request = parseBody(ComputeCreditTransferSchema, body);
    const [recipient]: Array<{ kind: string }> = await this.dataSource.query(
      `SELECT kind FROM ${this.tenants} WHERE tenant_id = $1`,
      [request.toTenantId],
    );
    if (recipient?.kind !== 'client') {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'COMPUTE_CREDIT.UNKNOWN_RECIPIENT',
        `no client tenant "${request.toTenantId}" can receive compute credits`,
        [{ field: 'toTenantId', message: 'not a client tenant' }],
      );
    }
    const transfer = await this.services.json<{ gpuSeconds: number; [field: string]: unknown }>(
      'billing',
      `${this.path(caller, id)}/transfers`,
      {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: { toTenantId: request.toTenantId, gpuSeconds: gpuSecondsFromHours(request.gpuHours) },
      },
    );
    const { gpuSeconds, ...rest } = transfer;
    return { ...rest, gpuHours: gpuHoursFromSeconds(gpuSeconds) };
  }

  /**
   * Takes GPU-hours of a credit out to a wallet as ERC-1155 tokens (where the exchange runs its chain); any
   * holder of the tokens can redeem them to a tenant's holding with the contract's `redeem`.
   */
  @ApiOperation({
    operationId: 'withdrawComputeCredit',
    summary:
      'Take GPU-hours of a compute credit out to a wallet as ERC-1155 tokens, where the chain is on (Idempotency-Key required)',
    request: ComputeCreditWithdrawalRequestSchema,
    response: ComputeCreditWithdrawalSchema,
    errors: [400, 404, 409, 422, 503],
  })
  @Post(':creditId/withdrawals')
  @HttpCode(HttpStatus.CREATED)
  async withdraw(
    @Caller() caller: Principal,
    @Param('creditId') creditId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = idempotencyKeyFrom(idempotencyKey);
    const id = this.creditId(creditId);
    const request = parseBody(ComputeCreditWithdrawalRequestSchema, body);
    const withdrawal = await this.services.json<WithdrawalAnswer>(
      'billing',
      `${this.path(caller, id)}/withdrawals`,
      {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: { gpuSeconds: gpuSecondsFromHours(request.gpuHours), address: request.address },
      },
    );
    return withdrawalView(withdrawal);
  }

  @ApiOperation({
    operationId: 'listComputeCreditWithdrawals',
    summary: "The credit's withdrawals to wallets, with their mint transactions",
    response: ComputeCreditWithdrawalPageSchema,
    errors: [404, 503],
  })
  @Get(':creditId/withdrawals')
  async withdrawals(@Caller() caller: Principal, @Param('creditId') creditId: string) {
    const id = this.creditId(creditId);
    const page = await this.services.json<{ items: WithdrawalAnswer[] }>(
      'billing',
      `${this.path(caller, id)}/withdrawals`,
    );
    return { items: page.items.map(withdrawalView) };
  }

  private creditId(value: string): string {
    const id = z.uuid().safeParse(value);
    if (!id.success) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'COMPUTE_CREDIT.NOT_FOUND', 'no such compute credit');
    }
    return id.data;
  }

  private path(caller: Principal, creditId?: string): string {
    const base = `/v1/tenants/${encodeURIComponent(caller.tenantId)}/compute-credits`;
    return creditId ? `${base}/${creditId}` : base;
  }
}
