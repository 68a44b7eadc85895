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
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdSchema, money, TokenUnitsSchema } from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';
import {
  decodeCursor,
  nextCursor,
  pageQueryFields,
  ProblemException,
  SERVICE_CONFIG,
  validated,
} from '@gridex/runtime';
import { RewardsConfig } from './config/rewards.config';
import { PayoutsService } from './payouts/payouts.service';
import { RewardsError } from './domain/staking';
import { RewardsTables } from './rewards-tables';
import { StakingService } from './staking/staking.service';
import { bondedAccountSql, TokenAccounts, tokenSupply } from './domain/token-ledger';
import { TokenDeposits } from './tokens/token-deposits.service';
import { TokenLedger } from './tokens/token-ledger';

const StakeSchema = z.strictObject({ units: TokenUnitsSchema, autoCompound: z.boolean().optional() });
const UnstakeSchema = z.strictObject({ units: TokenUnitsSchema });
const ClaimSchema = z.strictObject({
  earningsMicros: z
    .string()
    .regex(/^(0|[1-9]\d{0,17})$/, 'must be a whole number of micro-units')
    .default('0'),
  tokenUnits: TokenUnitsSchema.default('0'),
});
const DepositSchema = z.strictObject({
  units: TokenUnitsSchema,
  reference: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1 to 200 letters, digits, . _ : -'),
});
const WalletSchema = z.strictObject({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address'),
});
const HistorySchema = z.strictObject(pageQueryFields({ maxLimit: 500 }));
const ActivitySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(720).default(24),
  epochs: z.coerce.number().int().min(1).max(200).default(24),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, code: string): T {
  return validated(schema, value, code, 'the request is invalid');
}

/**
 * A supplier's rewards, for the gateway (which authenticates and scopes requests to the caller's supplier):
 * earnings and token balances with history, stakes, unstaking, withdrawals and claims.
 */
@Controller('v1/suppliers/:supplierId')
export class SuppliersController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(StakingService) private readonly staking: StakingService,
    @Inject(PayoutsService) private readonly payouts: PayoutsService,
    @Inject(TokenLedger) private readonly tokens: TokenLedger,
    @Inject(TokenDeposits) private readonly deposits: TokenDeposits,
    @Inject(SERVICE_CONFIG) private readonly config: RewardsConfig,
  ) {}

  /** Balances, earnings per node, and the latest earnings per job (cursor-paginated, newest first). */
  @Get('earnings')
  async earnings(@Param('supplierId') supplierIdParam: string, @Query() query: unknown) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const page = parse(HistorySchema, query, 'REWARDS.INVALID_PAGE');
    const balances = await this.accountBalances(supplierId);
    const byNode: Array<{ node_id: string; jobs: string; gpu_seconds: string; amount: string }> =
      await this.dataSource.query(
        `SELECT node_id, count(*)::text AS jobs, sum(gpu_seconds)::text AS gpu_seconds, sum(amount_micros)::text AS amount
         FROM ${this.tables.earnings} WHERE supplier_id = $1 GROUP BY node_id ORDER BY node_id`,
        [supplierId],
      );
    const before = decodeCursor(page.cursor, 2);
    const history: Array<{
      settlement_id: string;
      node_id: string;
      job_id: string;
      reservation_id: string;
      gpu_seconds: string;
      amount_micros: string;
      settled_at: Date;
    }> = await this.dataSource.query(
      `SELECT * FROM ${this.tables.earnings} WHERE supplier_id = $1
         AND ($2::timestamptz IS NULL OR (settled_at, settlement_id) < ($2::timestamptz, $3::uuid))
       ORDER BY settled_at DESC, settlement_id DESC LIMIT $4`,
      [supplierId, before?.[0] ?? null, before?.[1] ?? null, page.limit],
    );
    const currency = this.config.REWARDS_CURRENCY;
    return {
      ...balances,
      byNode: byNode.map((n) => ({
        nodeId: n.node_id,
        jobs: Number(n.jobs),
        gpuSeconds: Number(n.gpu_seconds),
        earned: money(currency, BigInt(n.amount)),
      })),
      history: history.map((h) => ({
        settlementId: h.settlement_id,
        nodeId: h.node_id,
        jobId: h.job_id,
        reservationId: h.reservation_id,
        gpuSeconds: Number(h.gpu_seconds),
        earned: money(currency, BigInt(h.amount_micros)),
        settledAt: new Date(h.settled_at).toISOString(),
      })),
      nextCursor: nextCursor(history, page.limit, (h) => [
        new Date(h.settled_at).toISOString(),
        h.settlement_id,
      ]),
    };
  }

  /** Earnings and token balances only (one row; the earnings route adds per-node totals and history). */
  /**
   * What a supplier's capacity did lately: GPU-seconds sold and money earned per hour (by settlement time, over
   * the last `hours`), and its nodes' rewards in each of the last `epochs` closed epochs (nodes, eligible nodes,
   * time online, units emitted to them).
   */
  @Get('activity')
  async activity(@Param('supplierId') supplierIdParam: string, @Query() query: unknown) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const { hours, epochs } = parse(ActivitySchema, query, 'REWARDS.INVALID_QUERY');
    const hourly: Array<{ hour: Date; gpu_seconds: string; amount: string }> = await this.dataSource.query(
      `SELECT date_trunc('hour', settled_at) AS hour, sum(gpu_seconds)::text AS gpu_seconds,
              sum(amount_micros)::text AS amount
       FROM ${this.tables.earnings}
       WHERE supplier_id = $1 AND settled_at >= now() - make_interval(hours => $2)
       GROUP BY 1 ORDER BY 1`,
      [supplierId, hours],
    );
    const closed: Array<{
      epoch_number: number;
      starts_at: Date;
      ends_at: Date;
      nodes: string;
      eligible: string;
      online_ms: string;
      units: string;
    }> = await this.dataSource.query(
      `SELECT e.epoch_number, e.starts_at, e.ends_at, count(*)::text AS nodes,
              count(*) FILTER (WHERE n.eligible)::text AS eligible, sum(n.online_ms)::text AS online_ms,
              sum(n.units)::text AS units
       FROM ${this.tables.epochNodes} n JOIN ${this.tables.epochs} e ON e.epoch_number = n.epoch_number
       WHERE n.supplier_id = $1
       GROUP BY e.epoch_number, e.starts_at, e.ends_at ORDER BY e.epoch_number DESC LIMIT $2`,
      [supplierId, epochs],
    );
    const currency = this.config.REWARDS_CURRENCY;
    return {
      hours: hourly.map((h) => ({
        hourStart: new Date(h.hour).toISOString(),
        gpuSeconds: Number(h.gpu_seconds),
        earned: money(currency, BigInt(h.amount)),
      })),
      epochs: closed.map((e) => ({
        epochNumber: e.epoch_number,
        startsAt: new Date(e.starts_at).toISOString(),
        endsAt: new Date(e.ends_at).toISOString(),
        nodes: Number(e.nodes),
        eligibleNodes: Number(e.eligible),
        onlineMs: Number(e.online_ms),
        rewardUnits: e.units,
      })),
    };
  }

  @Get('balances')
  balances(@Param('supplierId') supplierId: string) {
    return this.accountBalances(parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'));
  }

  @Get('stakes')
  stakes(@Param('supplierId') supplierId: string) {
    return this.staking.list(parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'));
  }

  @Post('nodes/:nodeId/stake')
  @HttpCode(HttpStatus.OK)
  stake(@Param('supplierId') supplierId: string, @Param('nodeId') nodeId: string, @Body() body: unknown) {
    const request = parse(StakeSchema, body, 'REWARDS.INVALID_STAKE');
    return this.staking.stake(
      parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'),
      parse(z.uuid(), nodeId, 'REWARDS.INVALID_NODE'),
      BigInt(request.units),
      request.autoCompound,
    );
  }

  @Post('nodes/:nodeId/unstake')
  @HttpCode(HttpStatus.OK)
  unstake(@Param('supplierId') supplierId: string, @Param('nodeId') nodeId: string, @Body() body: unknown) {
    const request = parse(UnstakeSchema, body, 'REWARDS.INVALID_UNSTAKE');
    return this.staking.unstake(
      parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'),
      parse(z.uuid(), nodeId, 'REWARDS.INVALID_NODE'),
      BigInt(request.units),
    );
  }

  /** Moves matured unbondings into the token balance. */
  @Post('unbondings/withdraw')
  @HttpCode(HttpStatus.OK)
  async withdraw(@Param('supplierId') supplierId: string) {
    const units = await this.staking.withdraw(parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'));
    return { withdrawnUnits: units.toString() };
  }

  @Post('claims')
  @HttpCode(HttpStatus.CREATED)
  claim(
    @Param('supplierId') supplierId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = parse(
      z.string().regex(/^[A-Za-z0-9._:-]{8,200}$/),
      idempotencyKey,
      'REWARDS.IDEMPOTENCY_KEY_REQUIRED',
    );
    const request = parse(ClaimSchema, body, 'REWARDS.INVALID_CLAIM');
    return this.payouts.claim({
      supplierId: parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER'),
      idempotencyKey: key,
      earningsMicros: BigInt(request.earningsMicros),
      tokenUnits: BigInt(request.tokenUnits),
      correlationId: currentCorrelation()?.correlationId ?? key,
    });
  }

  /**
   * Tokens received for the supplier off the chain (an operator's record of a transfer it received), credited to
   * the supplier's `available` once per reference. On-chain deposits are credited by the vault watcher instead.
   * Internal: the gateway does not route clients here.
   */
  @Post('deposits')
  @HttpCode(HttpStatus.OK)
  async deposit(@Param('supplierId') supplierIdParam: string, @Body() body: unknown) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const request = parse(DepositSchema, body, 'REWARDS.INVALID_DEPOSIT');
    const credited = await this.deposits.credit(
      supplierId,
      BigInt(request.units),
      `off-chain:${request.reference}`,
    );
    return { supplierId, units: request.units, reference: request.reference, credited };
  }

  /** Where the supplier's token payouts go on the chain. */
  @Put('wallet')
  async registerWallet(@Param('supplierId') supplierIdParam: string, @Body() body: unknown) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const { address } = parse(WalletSchema, body, 'REWARDS.INVALID_WALLET');
    const now = new Date();
    await this.dataSource.query(
      `INSERT INTO ${this.tables.wallets} (supplier_id, address, registered_at) VALUES ($1, $2, $3)
       ON CONFLICT (supplier_id) DO UPDATE SET address = EXCLUDED.address, registered_at = EXCLUDED.registered_at`,
      [supplierId, address, now],
    );
    return { supplierId, address, registeredAt: now.toISOString() };
  }

  @Get('wallet')
  async wallet(@Param('supplierId') supplierIdParam: string) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const [row]: Array<{ address: string; registered_at: Date }> = await this.dataSource.query(
      `SELECT address, registered_at FROM ${this.tables.wallets} WHERE supplier_id = $1`,
      [supplierId],
    );
    if (!row) throw new RewardsError('REWARDS.NO_WALLET', `supplier ${supplierId} has registered no wallet`);
    return { supplierId, address: row.address, registeredAt: new Date(row.registered_at).toISOString() };
  }

  /** The supplier's payouts, newest first (cursor-paginated), each with its money and token status. */
  @Get('payouts')
  async payoutList(@Param('supplierId') supplierIdParam: string, @Query() query: unknown) {
    const supplierId = parse(IdSchema, supplierIdParam, 'REWARDS.INVALID_SUPPLIER');
    const page = parse(HistorySchema, query, 'REWARDS.INVALID_QUERY');
    const before = page.cursor ? decodeCursor(page.cursor, 2) : undefined;
    const items = await this.payouts.list(supplierId, page.limit, before as [string, string] | undefined);
    return { items, nextCursor: nextCursor(items, page.limit, (p) => [p.requestedAt, p.payoutId]) };
  }

  private async accountBalances(supplierId: string) {
    const [account] = await this.dataSource.query(
      `SELECT * FROM ${this.tables.accounts} WHERE supplier_id = $1`,
      [supplierId],
    );
    const currency = this.config.REWARDS_CURRENCY;
    const earned = BigInt(account?.earned_micros ?? 0);
    const paid = BigInt(account?.paid_micros ?? 0);
    const tokens = await this.tokens.balancesOf(this.dataSource, [
      TokenAccounts.available(supplierId),
      TokenAccounts.unbonding(supplierId),
      TokenAccounts.pendingPayout(supplierId),
    ]);
    const [{ bonded }]: Array<{ bonded: string }> = await this.dataSource.query(
      `SELECT coalesce(sum(b.balance_units), 0)::text AS bonded FROM ${this.tables.stakes} s
       JOIN ${this.tokens.tables.balances} b ON b.account = ${bondedAccountSql('s.node_id')}
       WHERE s.supplier_id = $1`,
      [supplierId],
    );
    const [{ withdrawn }]: Array<{ withdrawn: string }> = await this.dataSource.query(
      `SELECT coalesce(sum(token_units), 0)::text AS withdrawn FROM ${this.tables.payouts}
       WHERE supplier_id = $1 AND tokens_status = 'paid'`,
      [supplierId],
    );
    return {
      supplierId,
      earnings: {
        earned: money(currency, earned),
        paid: money(currency, paid),
        available: money(currency, earned - paid),
      },
      tokens: {
        availableUnits: String(tokens.get(TokenAccounts.available(supplierId))),
        bondedUnits: bonded,
        unbondingUnits: String(tokens.get(TokenAccounts.unbonding(supplierId))),
        pendingPayoutUnits: String(tokens.get(TokenAccounts.pendingPayout(supplierId))),
        paidUnits: withdrawn,
      },
    };
  }
}

/**
 * The token supply, for anyone to check: what was emitted, burned, deposited from and withdrawn to the chain,
 * what the holders' accounts hold, and whether the two agree.
 */
@Controller('v1/tokens')
export class TokensController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TokenLedger) private readonly tokens: TokenLedger,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(SERVICE_CONFIG) private readonly config: RewardsConfig,
  ) {}

  /** Vault deposits read from the chain, newest first: credited, or ignored with the reason. */
  @Get('deposits')
  async deposits(@Query('status') status: string | undefined, @Query('limit') limit: string | undefined) {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT transaction_hash, log_index, block_number::text, supplier_id, from_address, units::text, status, reason,
         recorded_at FROM ${this.tables.chainDeposits}
       WHERE ($1::text IS NULL OR status = $1) ORDER BY recorded_at DESC, transaction_hash, log_index LIMIT $2`,
      [
        parse(z.enum(['credited', 'ignored']).optional(), status, 'REWARDS.INVALID_QUERY') ?? null,
        parse(z.coerce.number().int().min(1).max(500).default(100), limit, 'REWARDS.INVALID_QUERY'),
      ],
    );
    return {
      items: rows.map((row) => ({
        transactionHash: row.transaction_hash,
        logIndex: row.log_index,
        blockNumber: row.block_number,
        supplierId: row.supplier_id,
        from: row.from_address,
        units: row.units,
        status: row.status,
        reason: row.reason,
        recordedAt: new Date(row.recorded_at as Date).toISOString(),
      })),
    };
  }

  @Get('supply')
  async supply() {
    const supply = tokenSupply(await this.tokens.balancesLike(this.dataSource, ''));
    return {
      symbol: this.config.REWARDS_TOKEN_SYMBOL,
      emittedUnits: supply.emittedUnits.toString(),
      burnedUnits: supply.burnedUnits.toString(),
      depositedUnits: supply.depositedUnits.toString(),
      withdrawnUnits: supply.withdrawnUnits.toString(),
      openingUnits: supply.openingUnits.toString(),
      heldUnits: supply.heldUnits.toString(),
      consistent: supply.consistent,
    };
  }
}

/** Closed epochs: budget, split and (for a supplier) its nodes' inputs and shares, to check the arithmetic. */
@Controller('v1/epochs')
export class EpochsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
  ) {}

  @Get(':epoch')
  async epoch(@Param('epoch') epochParam: string, @Query('supplierId') supplierId: string | undefined) {
    const epoch = parse(z.coerce.number().int().min(0), epochParam, 'REWARDS.INVALID_EPOCH');
    const [row] = await this.dataSource.query(`SELECT * FROM ${this.tables.epochs} WHERE epoch_number = $1`, [
      epoch,
    ]);
    if (!row)
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'REWARDS.EPOCH_NOT_CLOSED',
        `epoch ${epoch} is not closed`,
      );
    const nodes: Array<Record<string, unknown>> = supplierId
      ? await this.dataSource.query(
          `SELECT * FROM ${this.tables.epochNodes} WHERE epoch_number = $1 AND supplier_id = $2 ORDER BY node_id`,
          [epoch, parse(IdSchema, supplierId, 'REWARDS.INVALID_SUPPLIER')],
        )
      : [];
    return {
      epochNumber: epoch,
      startsAt: new Date(row.starts_at).toISOString(),
      endsAt: new Date(row.ends_at).toISOString(),
      budgetUnits: String(row.budget_units),
      distributedUnits: String(row.distributed_units),
      eligibleNodes: row.eligible_nodes,
      nodes: nodes.map((n) => ({
        nodeId: n.node_id,
        gpuClass: n.gpu_class,
        gpus: n.gpus,
        verified: n.verified,
        onlineMs: Number(n.online_ms),
        stakeUnits: String(n.stake_units),
        multiplierBps: n.multiplier_bps,
        eligible: n.eligible,
        weight: String(n.weight),
        units: String(n.units),
        compounded: n.compounded,
      })),
    };
  }
}
