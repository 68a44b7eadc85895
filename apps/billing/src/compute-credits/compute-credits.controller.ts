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
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { GpuProductSchema, IdSchema, money, MoneySchema, PositiveIntSchema } from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { tenantIdFrom } from '../credits/accounts.controller';
import { creditGpuSeconds } from '../domain/compute-credits';
import { CreditChainStore, WithdrawalRow } from './chain/credit-chain.store';
import { CreditChainSync } from './chain/credit-chain-sync.service';
import { CommitmentRow, ComputeCreditStore, HoldingRow, TransferRow } from './compute-credit.store';
import { ComputeCreditsService } from './compute-credits.service';

const CommitmentSchema = z.strictObject({
  gpuProduct: GpuProductSchema,
  gpuSeconds: PositiveIntSchema,
  askPerGpuHour: MoneySchema,
  availableUntil: z.iso.datetime({ offset: true }),
});
const PurchaseSchema = z.strictObject({
  gpuProduct: GpuProductSchema,
  gpuSeconds: PositiveIntSchema,
  commitmentId: z.uuid().optional(),
  maxPricePerGpuHour: MoneySchema.optional(),
});
const TransferSchema = z.strictObject({ toTenantId: IdSchema, gpuSeconds: PositiveIntSchema });
const WithdrawalSchema = z.strictObject({
  gpuSeconds: PositiveIntSchema,
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address'),
});
const KeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,200}$/);

function keyFrom(value: string | undefined): string {
  const key = KeySchema.safeParse(value);
  if (!key.success) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'BILLING.IDEMPOTENCY_KEY_REQUIRED',
      'this command needs an Idempotency-Key header of 8 to 200 letters, digits or . _ : -',
      [{ field: 'Idempotency-Key', message: 'missing or malformed' }],
    );
  }
  return key.data;
}

/**
 * Compute credits and the capacity commitments behind them, for the gateway (which authenticates the caller and
 * puts its own tenant or supplier id in the path). GPU amounts are whole GPU-seconds; money is micro-units.
 */
@Controller('v1')
export class ComputeCreditsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ComputeCreditsService) private readonly credits: ComputeCreditsService,
    @Inject(ComputeCreditStore) private readonly store: ComputeCreditStore,
    @Inject(CreditChainStore) private readonly chainStore: CreditChainStore,
    @Inject(CreditChainSync) private readonly chain: CreditChainSync | null,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {}

  @Post('suppliers/:supplierId/commitments')
  @HttpCode(HttpStatus.CREATED)
  async commit(
    @Param('supplierId') supplierId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = keyFrom(idempotencyKey);
    const request = validated(
      CommitmentSchema,
      body,
      'COMPUTE_CREDIT.INVALID_COMMITMENT',
      'the commitment is invalid',
    );
    const ask = this.micros(request.askPerGpuHour, 'askPerGpuHour');
    const row = await this.credits.commit(tenantIdFrom(supplierId), key, {
      gpuProduct: request.gpuProduct,
      gpuSeconds: request.gpuSeconds,
      askPerGpuHourMicros: ask,
      availableUntil: new Date(request.availableUntil),
    });
    return this.commitmentView({ ...row, gpu_seconds_used: '0' });
  }

  @Get('suppliers/:supplierId/commitments')
  async commitments(@Param('supplierId') supplierId: string) {
    const rows = await this.store.commitmentsOf(this.dataSource.manager, tenantIdFrom(supplierId));
    return { items: rows.map((row) => this.commitmentView(row)) };
  }

  /** What can be bought: commitments with capacity left, cheapest first, at the price credits sell at. */
  @Get('compute-credits/offers')
  async offers(@Query('gpuProduct') gpuProduct?: string) {
    const product =
      gpuProduct === undefined
        ? undefined
        : validated(GpuProductSchema, gpuProduct, 'COMPUTE_CREDIT.INVALID_QUERY', 'gpuProduct is invalid');
    const rows = await this.store.openCommitments(this.dataSource.manager, product, new Date());
    return {
      items: rows.map((row) => ({
        commitmentId: row.commitment_id,
        supplierId: row.supplier_id,
        gpuProduct: row.gpu_product,
        gpuSecondsAvailable: Number(row.gpu_seconds) - Number(row.gpu_seconds_sold),
        pricePerGpuHour: money(this.config.BILLING_CURRENCY, this.credits.priceOf(row)),
        availableUntil: row.available_until.toISOString(),
      })),
    };
  }

  @Post('tenants/:tenantId/compute-credits')
  @HttpCode(HttpStatus.CREATED)
  async purchase(
    @Param('tenantId') tenantId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = keyFrom(idempotencyKey);
    const request = validated(
      PurchaseSchema,
      body,
      'COMPUTE_CREDIT.INVALID_PURCHASE',
      'the purchase is invalid',
    );
    const { holding } = await this.credits.purchase(tenantIdFrom(tenantId), key, {
      gpuProduct: request.gpuProduct,
      gpuSeconds: request.gpuSeconds,
      ...(request.commitmentId ? { commitmentId: request.commitmentId } : {}),
      ...(request.maxPricePerGpuHour
        ? { maxPricePerGpuHourMicros: this.micros(request.maxPricePerGpuHour, 'maxPricePerGpuHour') }
        : {}),
    });
    return this.holdingView(holding);
  }

  @Get('tenants/:tenantId/compute-credits')
  async holdings(@Param('tenantId') tenantId: string) {
    const rows = await this.store.holdingsOfTenant(this.dataSource.manager, tenantIdFrom(tenantId));
    return { items: rows.map((row) => this.holdingView(row)) };
  }

  @Get('tenants/:tenantId/compute-credits/:creditId')
  async holding(@Param('tenantId') tenantId: string, @Param('creditId') creditId: string) {
    const id = z.uuid().safeParse(creditId);
    const row = id.success
      ? await this.store.holding(this.dataSource.manager, tenantIdFrom(tenantId), id.data)
      : undefined;
    if (!row)
      throw new ProblemException(HttpStatus.NOT_FOUND, 'COMPUTE_CREDIT.NOT_FOUND', 'no such compute credit');
    return this.holdingView(row);
  }

  @Post('tenants/:tenantId/compute-credits/:creditId/transfers')
  @HttpCode(HttpStatus.CREATED)
  async transfer(
    @Param('tenantId') tenantId: string,
    @Param('creditId') creditId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = keyFrom(idempotencyKey);
    const id = validated(z.uuid(), creditId, 'COMPUTE_CREDIT.NOT_FOUND', 'no such compute credit');
    const request = validated(
      TransferSchema,
      body,
      'COMPUTE_CREDIT.INVALID_TRANSFER',
      'the transfer is invalid',
    );
    const { transfer } = await this.credits.transfer(tenantIdFrom(tenantId), id, key, request);
    return this.transferView(transfer);
  }

  /** Takes GPU-seconds out to a wallet as ERC-1155 tokens (where the chain is on). */
  @Post('tenants/:tenantId/compute-credits/:creditId/withdrawals')
  @HttpCode(HttpStatus.CREATED)
  async withdraw(
    @Param('tenantId') tenantId: string,
    @Param('creditId') creditId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = keyFrom(idempotencyKey);
    if (!this.chain) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'COMPUTE_CREDIT.CHAIN_DISABLED',
        'compute credits cannot leave for a wallet here: the chain is off (BILLING_CHAIN_ENABLED)',
      );
    }
    const id = validated(z.uuid(), creditId, 'COMPUTE_CREDIT.NOT_FOUND', 'no such compute credit');
    const request = validated(
      WithdrawalSchema,
      body,
      'COMPUTE_CREDIT.INVALID_WITHDRAWAL',
      'the withdrawal is invalid',
    );
    const row = await this.chain.withdraw(tenantIdFrom(tenantId), id, key, {
      gpuSeconds: request.gpuSeconds,
      address: request.address as `0x${string}`,
    });
    return this.withdrawalView(row);
  }

  @Get('tenants/:tenantId/compute-credits/:creditId/withdrawals')
  async withdrawals(@Param('tenantId') tenantId: string, @Param('creditId') creditId: string) {
    const id = validated(z.uuid(), creditId, 'COMPUTE_CREDIT.NOT_FOUND', 'no such compute credit');
    const rows = await this.chainStore.withdrawalsOf(this.dataSource.manager, tenantIdFrom(tenantId), id);
    return { items: rows.map((row) => this.withdrawalView(row)) };
  }

  /** Redemptions read from the chain (`status=ignored`: those credited to nobody, with the reason). */
  @Get('compute-credits/redemptions')
  async redemptions(@Query('status') status?: string) {
    const which = validated(
      z.enum(['credited', 'ignored']).optional(),
      status,
      'COMPUTE_CREDIT.INVALID_QUERY',
      'status must be credited or ignored',
    );
    const rows = await this.chainStore.redemptions(this.dataSource.manager, which);
    return {
      items: rows.map((row) => ({
        transactionHash: row.transaction_hash,
        logIndex: row.log_index,
        blockNumber: Number(row.block_number),
        creditId: row.credit_id,
        tenantId: row.tenant_id,
        fromAddress: row.from_address,
        gpuSeconds: row.gpu_seconds,
        status: row.status,
        reason: row.reason,
      })),
    };
  }

  private withdrawalView(row: WithdrawalRow) {
    return {
      withdrawalId: row.withdrawal_id,
      creditId: row.credit_id,
      address: row.address,
      gpuSeconds: Number(row.gpu_seconds),
      state: row.state,
      transactionHash: row.transaction_hash,
      failureReason: row.failure_reason,
      requestedAt: row.requested_at.toISOString(),
    };
  }

  private micros(amount: { currency: string; micros: string }, field: string): bigint {
    const micros = BigInt(amount.micros);
    if (amount.currency !== this.config.BILLING_CURRENCY || micros <= 0n) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'COMPUTE_CREDIT.INVALID_AMOUNT',
        `${field} is invalid`,
        [{ field, message: `must be a positive amount in ${this.config.BILLING_CURRENCY}` }],
      );
    }
    return micros;
  }

  private commitmentView(row: CommitmentRow & { gpu_seconds_used: string }) {
    const currency = this.config.BILLING_CURRENCY;
    return {
      commitmentId: row.commitment_id,
      supplierId: row.supplier_id,
      gpuProduct: row.gpu_product,
      gpuSeconds: Number(row.gpu_seconds),
      gpuSecondsSold: Number(row.gpu_seconds_sold),
      gpuSecondsUsed: Number(row.gpu_seconds_used),
      askPerGpuHour: money(currency, BigInt(row.ask_per_gpu_hour_micros)),
      creditPricePerGpuHour: money(currency, this.credits.priceOf(row)),
      availableUntil: row.available_until.toISOString(),
      createdAt: row.created_at.toISOString(),
    };
  }

  /** A holding: its balance in GPU-seconds is exact (the locked price is whole micro-units per GPU-second). */
  private holdingView(row: HoldingRow) {
    const price = BigInt(row.price_per_gpu_hour_micros);
    const available = BigInt(row.available_micros);
    const held = BigInt(row.held_micros);
    const total = creditGpuSeconds(price, available + held);
    const unreserved = creditGpuSeconds(price, available);
    return {
      creditId: row.credit_id,
      tenantId: row.tenant_id,
      gpuProduct: row.gpu_product,
      supplierId: row.supplier_id,
      commitmentId: row.commitment_id,
      pricePerGpuHour: money(this.config.BILLING_CURRENCY, price),
      purchasedBy: row.purchased_by,
      purchasedGpuSeconds: Number(row.gpu_seconds),
      balanceGpuSeconds: total,
      availableGpuSeconds: unreserved,
      reservedGpuSeconds: total - unreserved,
      value: money(this.config.BILLING_CURRENCY, available + held),
      expiresAt: row.expires_at.toISOString(),
      status: row.expires_at.getTime() <= Date.now() ? ('expired' as const) : ('active' as const),
    };
  }

  private transferView(row: TransferRow) {
    return {
      transferId: row.transfer_id,
      creditId: row.credit_id,
      fromTenantId: row.from_tenant_id,
      toTenantId: row.to_tenant_id,
      gpuSeconds: Number(row.gpu_seconds),
      transferredAt: row.transferred_at.toISOString(),
    };
  }
}
