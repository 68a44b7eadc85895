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
  Put,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdSchema, money, OfferDeclared, uuidv7 } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { pageQueryFields, ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { commandOrigin } from '../commands/command-origin';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { GatewayConfig } from '../config/gateway.config';
import { DECIMAL_AMOUNT, decimalAmountSchema, decimalToMicros, toApiUnits } from '../domain/api-money';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ServiceClient } from '../internal/service-client';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

const PLATFORM_CURRENCY = 'USD';

export const OfferRequestSchema = z
  .strictObject({
    pricePerGpuHour: decimalAmountSchema('USD', '2.10').describe('On-demand ask per GPU-hour (USD)'),
    interruptiblePricePerGpuHour: decimalAmountSchema('USD', '1.20')
      .optional()
      .describe('Ask per GPU-hour for interruptible work (USD); without it the pool sells on-demand only'),
    minLeaseSeconds: z.number().int().min(1).max(31_536_000).default(60).describe('Shortest job accepted'),
    maxLeaseSeconds: z.number().int().min(1).max(31_536_000).optional().describe('Longest job accepted'),
    validUntil: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the offer lapses (default: never)'),
  })
  .refine((o) => o.maxLeaseSeconds === undefined || o.maxLeaseSeconds >= o.minLeaseSeconds, {
    message: 'must be at least minLeaseSeconds',
    path: ['maxLeaseSeconds'],
  })
  .refine(
    (o) =>
      o.interruptiblePricePerGpuHour === undefined ||
      !DECIMAL_AMOUNT.test(o.pricePerGpuHour) ||
      decimalToMicros(o.interruptiblePricePerGpuHour) <= decimalToMicros(o.pricePerGpuHour),
    { message: 'must not exceed pricePerGpuHour', path: ['interruptiblePricePerGpuHour'] },
  );
export const OfferAcceptedSchema = z.object({
  offerId: z.string(),
  pool: z.string(),
  pricePerGpuHour: z.string(),
  interruptiblePricePerGpuHour: z.string().nullable(),
  status: z.literal('accepted').describe('Inventory applies it to the pool within moments'),
});
export const StakeRequestSchema = z.strictObject({
  nodeId: z.uuid().describe("The node's id (from GET /v1/suppliers/me/nodes)"),
  amount: decimalAmountSchema('tokens', '1000'),
  autoCompound: z.boolean().optional().describe("Restake each epoch's token rewards into this node"),
});
export const UnstakeRequestSchema = z.strictObject({
  nodeId: z.uuid(),
  amount: decimalAmountSchema('tokens', '250'),
});
export const PayoutRequestSchema = z
  .strictObject({
    amount: decimalAmountSchema('USD', '125.00').optional().describe('Earnings to pay out (USD)'),
    tokens: decimalAmountSchema('tokens', '40').optional().describe('Tokens to pay out'),
  })
  .refine((p) => p.amount !== undefined || p.tokens !== undefined, {
    message: 'name an amount, tokens, or both',
    path: ['amount'],
  });
export const StakeViewSchema = z.object({
  nodeId: z.string(),
  staked: z.string().describe('Tokens'),
  required: z.string().describe('Tokens the node needs staked to earn emissions'),
  eligible: z.boolean(),
  autoCompound: z.boolean(),
});
export const SupplierSchema = z.object({
  supplierId: z.string(),
  name: z.string(),
  pools: z.array(
    z.object({
      pool: z.string(),
      nodes: z.number().int(),
      gpus: z.number().int(),
      readyNodes: z.number().int(),
    }),
  ),
});
export const SupplierNodesSchema = z.object({ items: z.array(z.record(z.string(), z.unknown())) });
export const RewardsSchema = z.object({
  tokens: z
    .object({
      available: z.string().describe('Free to stake or claim'),
      bonded: z.string().describe('Staked in the supplier’s nodes'),
      unbonding: z.string().describe('Unstaked, waiting out the unbonding period'),
      pendingPayout: z.string().describe('Claimed, not yet paid out'),
      paid: z.string().describe('Paid out so far'),
    })
    .describe('Tokens, by account of the token ledger'),
  stakes: z.array(StakeViewSchema),
  unbondings: z.array(
    z.object({ nodeId: z.string(), amount: z.string(), releaseAt: z.string(), withdrawn: z.boolean() }),
  ),
});
const PayoutLegStatusSchema = z
  .enum(['none', 'requested', 'submitted', 'paid', 'failed'])
  .describe('none: not part of this payout; submitted: sent to the chain, awaiting confirmation');
export const PayoutSchema = z.object({
  payoutId: z.string(),
  earnings: z.string().describe('USD'),
  earningsStatus: PayoutLegStatusSchema,
  providerReference: z.string().nullable().describe("The payout provider's reference for the money"),
  tokens: z.string(),
  tokensStatus: PayoutLegStatusSchema,
  transactionHash: z.string().nullable().describe('The token transfer on the chain (null off the chain)'),
  failureReason: z.string().nullable(),
  requestedAt: z.string(),
  updatedAt: z.string(),
});
export const WalletRequestSchema = z.strictObject({
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
    .describe('The EVM address token payouts are minted to'),
});
export const WalletSchema = z.object({ address: z.string(), registeredAt: z.string() });
export const PayoutQuerySchema = z.strictObject(pageQueryFields());
export const PayoutPageSchema = z.object({ items: z.array(PayoutSchema), nextCursor: z.string().nullable() });
export const ActivityQuerySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(720).default(24).describe('Hours back to report (1–720)'),
  epochs: z.coerce.number().int().min(1).max(200).default(24).describe('Closed epochs to report (1–200)'),
});
export const SupplierActivitySchema = z.object({
  hours: z
    .array(
      z.object({
        hourStart: z.string(),
        gpuSeconds: z.number().int().describe('GPU-seconds sold, of usage settled in this hour'),
        earned: z.string().describe('USD earned from that usage'),
      }),
    )
    .describe('Hours with settled usage, oldest first'),
  epochs: z
    .array(
      z.object({
        epochNumber: z.number().int(),
        startsAt: z.string(),
        endsAt: z.string(),
        nodes: z.number().int(),
        eligibleNodes: z.number().int().describe('Nodes that met the uptime and stake rules'),
        onlineMs: z.number().int().describe("The nodes' time online in the epoch, summed"),
        reward: z.string().describe('Tokens emitted to these nodes'),
      }),
    )
    .describe('Closed epochs, newest first'),
});

const IdempotencyKeySchema = z
  .string({ error: 'Idempotency-Key is required: a payout must never be paid twice' })
  .regex(/^[A-Za-z0-9._:-]{8,200}$/, 'must be 8 to 200 letters, digits, . _ : -');

/**
 * A supplier's own view and commands. The supplier id is the caller's tenant id, never taken from the request.
 * Prices go to inventory as `offer-declared` (outbox); nodes come from inventory's capacity book; stakes, token
 * rewards and payouts are rewards' (its internal routes, scoped here to the caller). Amounts are decimal strings:
 * USD for money, whole tokens for tokens.
 */
@ApiTag('Suppliers')
@Controller('v1/suppliers/me')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('supplier')
export class SuppliersController {
  private readonly tenants: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.tenants = qualified(config.DATABASE_SCHEMA, 'tenants');
  }

  /** The supplier and its pools as inventory sees them. */
  @ApiOperation({
    operationId: 'getSupplier',
    summary: 'The calling supplier and its pools (nodes, GPUs, ready nodes)',
    response: SupplierSchema,
    errors: [503],
  })
  @Get()
  async me(@Caller() caller: Principal) {
    const [tenant]: Array<{ name: string }> = await this.dataSource.query(
      `SELECT name FROM ${this.tenants} WHERE tenant_id = $1`,
      [caller.tenantId],
    );
    const nodes = await this.nodes(caller);
    const pools = new Map<string, { pool: string; nodes: number; gpus: number; readyNodes: number }>();
    for (const node of nodes.items) {
      const pool = pools.get(node.pool) ?? { pool: node.pool, nodes: 0, gpus: 0, readyNodes: 0 };
      pool.nodes += 1;
      pool.gpus += node.gpus;
      pool.readyNodes += node.ready ? 1 : 0;
      pools.set(node.pool, pool);
    }
    return { supplierId: caller.tenantId, name: tenant?.name ?? caller.tenantId, pools: [...pools.values()] };
  }

  /** Sets the price and lease terms of one pool (nodes labelled `gridex.io/pool=<pool>`); replaces its offer. */
  @ApiOperation({
    operationId: 'declareOffer',
    summary: "Set a pool's price and lease terms (replaces its offer; nodes labelled gridex.io/pool)",
    request: OfferRequestSchema,
    response: OfferAcceptedSchema,
    errors: [400],
  })
  @Put('offers/:pool')
  @HttpCode(HttpStatus.ACCEPTED)
  async declareOffer(@Caller() caller: Principal, @Param('pool') poolParam: string, @Body() body: unknown) {
    const pool = validated(IdSchema, poolParam, 'REQUEST.INVALID', 'the pool is not an identifier');
    const offer = parseBody(OfferRequestSchema, body);
    // Inventory prices the nodes of a pool; an offer for a pool without nodes of this supplier would only be
    // dead-lettered there, so the supplier hears it now.
    const nodes = await this.nodes(caller);
    if (!nodes.items.some((node) => node.pool === pool)) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'OFFER.UNKNOWN_POOL',
        `none of your nodes is in pool "${pool}" (a node's pool is its label gridex.io/pool)`,
        [{ field: 'pool', message: 'no nodes of yours in this pool' }],
      );
    }
    const now = new Date();
    const payload = {
      offerId: uuidv7(),
      supplierId: caller.tenantId,
      pool,
      pricePerGpuHour: money(PLATFORM_CURRENCY, decimalToMicros(offer.pricePerGpuHour)),
      ...(offer.interruptiblePricePerGpuHour === undefined
        ? {}
        : {
            interruptiblePricePerGpuHour: money(
              PLATFORM_CURRENCY,
              decimalToMicros(offer.interruptiblePricePerGpuHour),
            ),
          }),
      minLeaseSeconds: offer.minLeaseSeconds,
      ...(offer.maxLeaseSeconds === undefined ? {} : { maxLeaseSeconds: offer.maxLeaseSeconds }),
      validFrom: now.toISOString(),
      ...(offer.validUntil === undefined ? {} : { validUntil: new Date(offer.validUntil).toISOString() }),
    };
    const origin = commandOrigin(caller.tenantId);
    await this.dataSource.transaction((tx) => this.outbox.emit(tx, OfferDeclared, payload, origin, now));
    return {
      offerId: payload.offerId,
      pool,
      pricePerGpuHour: offer.pricePerGpuHour,
      interruptiblePricePerGpuHour: offer.interruptiblePricePerGpuHour ?? null,
      status: 'accepted' as const,
    };
  }

  /** The supplier's nodes with status, verification, reliability and price (inventory's capacity book). */
  @ApiOperation({
    operationId: 'listSupplierNodes',
    summary: "The supplier's nodes: readiness, GPUs, verification, reliability, price",
    response: SupplierNodesSchema,
    errors: [503],
  })
  @Get('nodes')
  async listNodes(@Caller() caller: Principal) {
    return toApiUnits(await this.nodes(caller));
  }

  @ApiOperation({
    operationId: 'stake',
    summary: 'Stake tokens on a node (a node earns emissions only with its minimum stake)',
    request: StakeRequestSchema,
    response: StakeViewSchema,
    errors: [400, 404, 409, 422, 503],
  })
  @Post('stake')
  @HttpCode(HttpStatus.OK)
  async stake(@Caller() caller: Principal, @Body() body: unknown) {
    const request = parseBody(StakeRequestSchema, body);
    return toApiUnits(
      await this.services.json('rewards', this.rewardsPath(caller, `nodes/${request.nodeId}/stake`), {
        method: 'POST',
        body: {
          units: decimalToMicros(request.amount).toString(),
          ...(request.autoCompound === undefined ? {} : { autoCompound: request.autoCompound }),
        },
      }),
    );
  }

  /** Starts unbonding: the tokens return after the unbonding period (`GET /v1/suppliers/me/rewards` shows when). */
  @ApiOperation({
    operationId: 'unstake',
    summary: 'Unstake tokens from a node; they unbond for the unbonding period',
    request: UnstakeRequestSchema,
    response: StakeViewSchema.extend({ unbonding: z.object({ amount: z.string(), releaseAt: z.string() }) }),
    errors: [400, 404, 409, 422, 503],
  })
  @Post('unstake')
  @HttpCode(HttpStatus.OK)
  async unstake(@Caller() caller: Principal, @Body() body: unknown) {
    const request = parseBody(UnstakeRequestSchema, body);
    return toApiUnits(
      await this.services.json('rewards', this.rewardsPath(caller, `nodes/${request.nodeId}/unstake`), {
        method: 'POST',
        body: { units: decimalToMicros(request.amount).toString() },
      }),
    );
  }

  @ApiOperation({
    operationId: 'getSupplierActivity',
    summary:
      "What the supplier's capacity did lately: GPU-seconds sold and earned per hour, and its nodes' rewards per epoch",
    query: ActivityQuerySchema,
    response: SupplierActivitySchema,
    errors: [400, 503],
  })
  @Get('activity')
  async activity(@Caller() caller: Principal, @Query() query: unknown) {
    const { hours, epochs } = validated(
      ActivityQuerySchema,
      query,
      'REQUEST.INVALID',
      'the activity query is invalid',
    );
    return toApiUnits(
      await this.services.json('rewards', this.rewardsPath(caller, 'activity'), {
        query: { hours: String(hours), epochs: String(epochs) },
      }),
    );
  }

  /** Tokens by account (available, bonded, unbonding, pending payout, paid), stakes per node and unbondings. */
  @ApiOperation({
    operationId: 'getRewards',
    summary: 'Tokens by account (available, bonded, unbonding, pending payout, paid), stakes and unbondings',
    response: RewardsSchema,
    errors: [503],
  })
  @Get('rewards')
  async rewards(@Caller() caller: Principal) {
    const [balances, stakes] = await Promise.all([
      this.services.json<{ tokens: unknown }>('rewards', this.rewardsPath(caller, 'balances')),
      this.services.json<{ stakes: unknown; unbondings: unknown }>(
        'rewards',
        this.rewardsPath(caller, 'stakes'),
      ),
    ]);
    return toApiUnits({ tokens: balances.tokens, stakes: stakes.stakes, unbondings: stakes.unbondings });
  }

  /**
   * Asks to be paid earnings (USD) and/or tokens. The Idempotency-Key is required and is also rewards' key, so
   * a retry — even one the gateway itself makes after a crash — is one payout.
   */
  @ApiOperation({
    operationId: 'requestPayout',
    summary: 'Ask to be paid earnings (USD) and/or tokens; Idempotency-Key required',
    request: PayoutRequestSchema,
    response: PayoutSchema,
    errors: [400, 409, 422, 503],
  })
  @Post('payouts')
  @HttpCode(HttpStatus.CREATED)
  async payout(
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = validated(
      IdempotencyKeySchema,
      idempotencyKey,
      'REQUEST.IDEMPOTENCY_KEY_REQUIRED',
      'the Idempotency-Key header is required',
    );
    const request = parseBody(PayoutRequestSchema, body);
    const payout = await this.services.json<Record<string, unknown>>(
      'rewards',
      this.rewardsPath(caller, 'claims'),
      {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: {
          earningsMicros: decimalToMicros(request.amount ?? '0').toString(),
          tokenUnits: decimalToMicros(request.tokens ?? '0').toString(),
        },
      },
    );
    return toApiUnits({ ...payout, supplierId: undefined });
  }

  /** Where the supplier's token payouts go on the chain (replaces the wallet registered before). */
  @ApiOperation({
    operationId: 'registerWallet',
    summary: 'Register the EVM address token payouts are minted to',
    request: WalletRequestSchema,
    response: WalletSchema,
    errors: [400, 503],
  })
  @Put('wallet')
  async registerWallet(@Caller() caller: Principal, @Body() body: unknown) {
    const request = parseBody(WalletRequestSchema, body);
    const wallet = await this.services.json<Record<string, unknown>>(
      'rewards',
      this.rewardsPath(caller, 'wallet'),
      {
        method: 'PUT',
        body: request,
      },
    );
    return { ...wallet, supplierId: undefined };
  }

  @ApiOperation({
    operationId: 'getWallet',
    summary: 'The wallet token payouts go to',
    response: WalletSchema,
    errors: [404, 503],
  })
  @Get('wallet')
  async wallet(@Caller() caller: Principal) {
    const wallet = await this.services.json<Record<string, unknown>>(
      'rewards',
      this.rewardsPath(caller, 'wallet'),
    );
    return { ...wallet, supplierId: undefined };
  }

  /** The supplier's payouts, newest first, with the status of their money and token parts. */
  @ApiOperation({
    operationId: 'listPayouts',
    summary: "The supplier's payouts, newest first, each with its money and token status (`limit`, `cursor`)",
    query: PayoutQuerySchema,
    response: PayoutPageSchema,
    errors: [400, 503],
  })
  @Get('payouts')
  async payouts(@Caller() caller: Principal, @Query() query: unknown) {
    const { cursor, limit } = validated(
      PayoutQuerySchema,
      query,
      'REQUEST.INVALID',
      'the payout query is invalid',
    );
    const page = await this.services.json('rewards', this.rewardsPath(caller, 'payouts'), {
      query: { cursor, limit: String(limit) },
    });
    return toApiUnits(page);
  }

  private nodes(caller: Principal) {
    return this.services.json<{ items: Array<{ pool: string; gpus: number; ready: boolean }> }>(
      'inventory',
      `/v1/suppliers/${encodeURIComponent(caller.tenantId)}/nodes`,
    );
  }

  private rewardsPath(caller: Principal, rest: string): string {
    return `/v1/suppliers/${encodeURIComponent(caller.tenantId)}/${rest}`;
  }
}
