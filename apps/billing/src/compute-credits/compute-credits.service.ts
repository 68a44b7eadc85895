import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  ComputeCreditExpired,
  ComputeCreditPurchased,
  ComputeCreditTransferred,
  deterministicUuid,
  DomainError,
  IdNamespaces,
  money,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { currentCorrelation } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { creditGpuSeconds, creditValueMicros, lockedCreditPrice } from '../domain/compute-credits';
import { creditExpiry, creditPurchase, creditTransfer } from '../domain/ledger';
import { LedgerStore } from '../ledger/ledger.store';
import { TenantAccounts } from '../ledger/tenant-accounts';
import {
  CommitmentRow,
  ComputeCreditStore,
  CreditRow,
  HoldingRow,
  TransferRow,
} from './compute-credit.store';

export interface CommitmentRequest {
  gpuProduct: string;
  gpuSeconds: number;
  askPerGpuHourMicros: bigint;
  availableUntil: Date;
}

export interface PurchaseRequest {
  gpuProduct: string;
  gpuSeconds: number;
  commitmentId?: string;
  maxPricePerGpuHourMicros?: bigint;
}

export interface TransferRequest {
  toTenantId: string;
  gpuSeconds: number;
}

/** The same key must mean the same request: a hash of what the request asked, stored beside its result. */
export const requestHash = (request: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(request, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');

export const keyReused = (what: string) =>
  new DomainError(
    'COMPUTE_CREDIT.IDEMPOTENCY_KEY_REUSED',
    'rejected',
    `this Idempotency-Key was used for a different ${what}`,
  );

/**
 * The holder's part of a credit that `gpuSeconds` may leave (a transfer, a withdrawal to a wallet): it must be
 * held, unexpired, and cover them unreserved. Their value at the credit's price is what moves. The caller holds
 * the tenant's lock.
 */
export async function spendableHolding(
  store: ComputeCreditStore,
  tx: EntityManager,
  tenantId: string,
  creditId: string,
  gpuSeconds: number,
  now: Date,
): Promise<{ holding: HoldingRow; amount: bigint }> {
  const holding = await store.holding(tx, tenantId, creditId);
  if (!holding) {
    throw new DomainError('COMPUTE_CREDIT.NOT_FOUND', 'not-found', `no compute credit ${creditId} is yours`);
  }
  if (holding.expires_at.getTime() <= now.getTime()) {
    throw new DomainError('COMPUTE_CREDIT.EXPIRED', 'rejected', `compute credit ${creditId} has expired`);
  }
  const price = BigInt(holding.price_per_gpu_hour_micros);
  const amount = creditValueMicros(price, gpuSeconds);
  if (BigInt(holding.available_micros) < amount) {
    throw new DomainError(
      'COMPUTE_CREDIT.INSUFFICIENT_BALANCE',
      'rejected',
      `the credit has ${creditGpuSeconds(price, BigInt(holding.available_micros))} unreserved GPU-seconds; ` +
        `${gpuSeconds} were asked for`,
      [{ field: 'gpuHours', message: 'more than the unreserved balance' }],
    );
  }
  return { holding, amount };
}

/**
 * Compute credits: suppliers commit capacity (GPU-hours of a product until a date, at an ask), clients buy
 * blocks of it at a price locked then, give parts to other tenants, and jobs spend it (the meter decides who
 * pays; see `creditFor`). Every command is idempotent by (tenant, Idempotency-Key): the id of what it creates is
 * derived from them, and a repeat answers what the first did. Each runs under the tenants' locks it touches,
 * so a holding is never spent twice by a purchase, a transfer and a hold racing each other.
 */
@Injectable()
export class ComputeCreditsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly expiryPass: PeriodicTask;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ComputeCreditStore) private readonly store: ComputeCreditStore,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(TenantAccounts) private readonly tenants: TenantAccounts,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {
    this.expiryPass = new PeriodicTask(
      new Logger(ComputeCreditsService.name),
      'compute credit expiry pass',
      config.BILLING_CREDIT_EXPIRY_CHECK_SECONDS * 1000,
      () => this.expireDue().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.expiryPass.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.expiryPass.stop();
  }

  /** A supplier commits capacity that credits can be sold from. */
  async commit(
    supplierId: string,
    idempotencyKey: string,
    request: CommitmentRequest,
    now = new Date(),
  ): Promise<CommitmentRow> {
    if (request.availableUntil.getTime() <= now.getTime()) {
      throw new DomainError(
        'COMPUTE_CREDIT.COMMITMENT_IN_PAST',
        'invalid',
        'availableUntil must be in the future',
        [{ field: 'availableUntil', message: 'not in the future' }],
      );
    }
    const commitmentId = deterministicUuid(IdNamespaces.capacityCommitment, supplierId, idempotencyKey);
    const hash = requestHash(request);
    return this.dataSource.transaction(async (tx) => {
      await this.store.insertCommitment(tx, {
        commitment_id: commitmentId,
        supplier_id: supplierId,
        gpu_product: request.gpuProduct,
        gpu_seconds: String(request.gpuSeconds),
        ask_per_gpu_hour_micros: request.askPerGpuHourMicros.toString(),
        available_until: request.availableUntil,
        request_hash: hash,
        created_at: now,
      });
      const row = (await this.store.commitment(tx, commitmentId)) as CommitmentRow;
      if (row.request_hash !== hash) throw keyReused('commitment');
      return row;
    });
  }

  /** The price a commitment's credits sell at (its ask plus the platform's take, per whole GPU-second). */
  priceOf(commitment: Pick<CommitmentRow, 'ask_per_gpu_hour_micros'>): bigint {
    return lockedCreditPrice(BigInt(commitment.ask_per_gpu_hour_micros), this.config.BILLING_TAKE_RATE_BPS);
  }

  /**
   * Buys a block of GPU-seconds from the cheapest commitment of the product that has them (or the one named),
   * paid at once from the tenant's money at the locked price. Refused when no commitment can serve it (409),
   * the price is above the caller's cap (409), or the tenant cannot pay (402).
   */
  async purchase(
    tenantId: string,
    idempotencyKey: string,
    request: PurchaseRequest,
    now = new Date(),
  ): Promise<{ holding: HoldingRow; replayed: boolean }> {
    const creditId = deterministicUuid(IdNamespaces.computeCredit, tenantId, idempotencyKey);
    const hash = requestHash(request);
    return this.dataSource.transaction(async (tx) => {
      const funds = await this.tenants.lock(tx, tenantId);
      const existing = await this.store.credit(tx, creditId);
      if (existing) {
        if (existing.request_hash !== hash) throw keyReused('purchase');
        return { holding: (await this.store.holding(tx, tenantId, creditId)) as HoldingRow, replayed: true };
      }
      const commitment = await this.store.lockCommitmentFor(tx, request, now);
      if (!commitment) {
        throw new DomainError(
          'COMPUTE_CREDIT.NO_COMMITTED_CAPACITY',
          'conflict',
          request.commitmentId
            ? `commitment ${request.commitmentId} cannot sell ${request.gpuSeconds} GPU-seconds of ${request.gpuProduct}`
            : `no supplier has committed ${request.gpuSeconds} GPU-seconds of ${request.gpuProduct} that are still for sale`,
        );
      }
      const price = this.priceOf(commitment);
      if (request.maxPricePerGpuHourMicros !== undefined && price > request.maxPricePerGpuHourMicros) {
        throw new DomainError(
          'COMPUTE_CREDIT.PRICE_ABOVE_CAP',
          'conflict',
          `the lowest committed price is ${price} micro-units per GPU-hour, above the cap`,
          [{ field: 'maxPricePerGpuHour', message: `below the price ${price}` }],
        );
      }
      const amount = creditValueMicros(price, request.gpuSeconds);
      if (funds.availableMicros + funds.creditLimitMicros < amount) {
        throw new DomainError(
          'COMPUTE_CREDIT.INSUFFICIENT_FUNDS',
          'payment-required',
          `the credit costs ${amount} micro-units; the tenant can spend ${funds.availableMicros + funds.creditLimitMicros}`,
        );
      }
      const credit: CreditRow = {
        credit_id: creditId,
        commitment_id: commitment.commitment_id,
        supplier_id: commitment.supplier_id,
        gpu_product: commitment.gpu_product,
        gpu_seconds: String(request.gpuSeconds),
        price_per_gpu_hour_micros: price.toString(),
        ask_per_gpu_hour_micros: commitment.ask_per_gpu_hour_micros,
        purchased_by: tenantId,
        request_hash: hash,
        expires_at: commitment.available_until,
        purchased_at: now,
      };
      await this.store.insertCredit(tx, credit);
      await this.store.sell(tx, commitment.commitment_id, request.gpuSeconds);
      const transactionId = await this.ledger.record(
        tx,
        'compute-credit-purchase',
        creditId,
        now,
        creditPurchase(tenantId, creditId, amount),
      );
      const currency = this.config.BILLING_CURRENCY;
      await this.outbox.emit(
        tx,
        ComputeCreditPurchased,
        {
          creditId,
          tenantId,
          commitmentId: commitment.commitment_id,
          supplierId: commitment.supplier_id,
          gpuProduct: commitment.gpu_product,
          gpuSeconds: request.gpuSeconds,
          pricePerGpuHour: money(currency, price),
          askPerGpuHour: money(currency, BigInt(commitment.ask_per_gpu_hour_micros)),
          amount: money(currency, amount),
          availableAfterMicros: (funds.availableMicros - amount).toString(),
          expiresAt: commitment.available_until.toISOString(),
          ledgerTransactionId: transactionId,
          purchasedAt: now.toISOString(),
        },
        this.origin(tenantId, creditId),
        now,
      );
      return { holding: (await this.store.holding(tx, tenantId, creditId)) as HoldingRow, replayed: false };
    });
  }

  /** Gives part of a holding to another tenant, valued at the credit's locked price; no money moves. */
  async transfer(
    fromTenantId: string,
    creditId: string,
    idempotencyKey: string,
    request: TransferRequest,
    now = new Date(),
  ): Promise<{ transfer: TransferRow; replayed: boolean }> {
    if (request.toTenantId === fromTenantId) {
      throw new DomainError('COMPUTE_CREDIT.SELF_TRANSFER', 'invalid', 'a transfer needs another tenant', [
        { field: 'toTenantId', message: 'is the sender' },
      ]);
    }
    const transferId = deterministicUuid(IdNamespaces.computeCreditTransfer, fromTenantId, idempotencyKey);
    const hash = requestHash({ creditId, ...request });
    return this.dataSource.transaction(async (tx) => {
      await this.tenants.lockMany(tx, [fromTenantId, request.toTenantId]);
      const existing = await this.store.transfer(tx, transferId);
      if (existing) {
        if (existing.request_hash !== hash) throw keyReused('transfer');
        return { transfer: existing, replayed: true };
      }
      const { amount } = await spendableHolding(
        this.store,
        tx,
        fromTenantId,
        creditId,
        request.gpuSeconds,
        now,
      );
      const transfer: TransferRow = {
        transfer_id: transferId,
        credit_id: creditId,
        from_tenant_id: fromTenantId,
        to_tenant_id: request.toTenantId,
        gpu_seconds: String(request.gpuSeconds),
        request_hash: hash,
        transferred_at: now,
      };
      await this.store.insertTransfer(tx, transfer);
      const transactionId = await this.ledger.record(
        tx,
        'compute-credit-transfer',
        transferId,
        now,
        creditTransfer(creditId, fromTenantId, request.toTenantId, amount),
      );
      await this.outbox.emit(
        tx,
        ComputeCreditTransferred,
        {
          transferId,
          creditId,
          fromTenantId,
          toTenantId: request.toTenantId,
          gpuSeconds: request.gpuSeconds,
          amount: money(this.config.BILLING_CURRENCY, amount),
          ledgerTransactionId: transactionId,
          transferredAt: now.toISOString(),
        },
        this.origin(fromTenantId, transferId),
        now,
      );
      return { transfer, replayed: false };
    });
  }

  /**
   * Forfeits what holders left unused of expired credits (work still running on a hold finishes; what its
   * settlement returns lapses on a later pass). Each forfeit is decided under the holder's lock from the balance
   * it reads there, so a pass that runs twice, or on two replicas, forfeits once. Returns the forfeits made.
   */
  async expireDue(now = new Date()): Promise<number> {
    const lapsed = await this.store.lapsed(this.dataSource.manager, now, 500);
    let forfeited = 0;
    for (const row of lapsed) {
      const done = await this.dataSource.transaction(async (tx) => {
        await this.tenants.lock(tx, row.tenant_id);
        const holding = await this.store.holding(tx, row.tenant_id, row.credit_id);
        const available = BigInt(holding?.available_micros ?? 0);
        if (available <= 0n) return false;
        const count = await this.store.countExpiry(tx, row.credit_id, row.tenant_id);
        const transactionId = await this.ledger.record(
          tx,
          'compute-credit-expiry',
          `${row.credit_id}:${row.tenant_id}:${count}`,
          now,
          creditExpiry(row.credit_id, row.tenant_id, available),
        );
        await this.outbox.emit(
          tx,
          ComputeCreditExpired,
          {
            creditId: row.credit_id,
            tenantId: row.tenant_id,
            gpuSeconds: creditGpuSeconds(BigInt(row.price_per_gpu_hour_micros), available),
            amount: money(this.config.BILLING_CURRENCY, available),
            ledgerTransactionId: transactionId,
            expiredAt: now.toISOString(),
          },
          this.origin(row.tenant_id, row.credit_id),
          now,
        );
        return true;
      });
      if (done) forfeited += 1;
    }
    return forfeited;
  }

  private origin(tenantId: string, subject: string) {
    return {
      correlationId: currentCorrelation()?.correlationId ?? `credit-${subject}`,
      causationId: null,
      tenantId,
    };
  }
}
