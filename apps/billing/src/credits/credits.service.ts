import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  CreditAdded,
  CreditDeclined,
  CreditRequestedPayload,
  deterministicUuid,
  DomainError,
  IdNamespaces,
  money,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { topUp } from '../domain/ledger';
import { LedgerStore } from '../ledger/ledger.store';
import { TenantAccounts } from '../ledger/tenant-accounts';
import { PAYMENT_PROVIDER, PaymentDeclined, PaymentProvider } from './payment-provider';
import { TopUpRow, TopUpStore } from './top-up.store';

export interface TopUpRequest {
  tenantId: string;
  idempotencyKey: string;
  amountMicros: bigint;
  paymentMethod: string;
  correlationId: string;
}

export interface TopUpResult {
  topUpId: string;
  tenantId: string;
  amount: { currency: string; micros: string };
  paymentReference: string;
  availableAfterMicros: string;
  ledgerTransactionId: string;
}

/**
 * Credit top-ups, idempotent by (tenant, key): the first request records the top-up as pending, charges the
 * payment provider (with the top-up id as the provider's idempotency key, so a crash and retry is charged
 * once), then credits the ledger. A repeat with the same key returns the first answer; the same key with a
 * different amount or method is refused (422).
 */
@Injectable()
export class CreditsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TopUpStore) private readonly topUps: TopUpStore,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(PAYMENT_PROVIDER) private readonly payments: PaymentProvider,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(TenantAccounts) private readonly tenants: TenantAccounts,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  async topUp(request: TopUpRequest): Promise<TopUpResult> {
    if (request.amountMicros > this.config.BILLING_MAX_TOP_UP_MICROS) {
      throw new DomainError(
        'BILLING.TOP_UP_TOO_LARGE',
        'invalid',
        `a single top-up may be at most ${this.config.BILLING_MAX_TOP_UP_MICROS} micro-units`,
        [{ field: 'amount.micros', message: 'above the largest single top-up' }],
      );
    }
    const topUpId = deterministicUuid(IdNamespaces.topUp, request.tenantId, request.idempotencyKey);
    const row = await this.dataSource.transaction((tx) => this.topUps.claim(tx, { ...request, topUpId }));
    if (BigInt(row.amount_micros) !== request.amountMicros || row.payment_method !== request.paymentMethod) {
      throw new DomainError(
        'BILLING.IDEMPOTENCY_KEY_REUSED',
        'rejected',
        'this Idempotency-Key was used for a different top-up (amount or payment method)',
      );
    }
    if (row.state === 'credited') return this.result(request.tenantId, row);
    if (row.state === 'declined') throw declined(row.decline_reason ?? 'declined');

    let reference: string;
    try {
      ({ reference } = await this.payments.charge({
        idempotencyKey: topUpId,
        tenantId: request.tenantId,
        currency: this.config.BILLING_CURRENCY,
        amountMicros: request.amountMicros,
        paymentMethod: request.paymentMethod,
      }));
    } catch (error) {
      if (!(error instanceof PaymentDeclined)) throw error;
      await this.topUps.markDeclined(this.dataSource, request.tenantId, request.idempotencyKey, error.reason);
      throw declined(error.reason);
    }
    const credited = await this.dataSource.transaction((tx) =>
      this.credit(tx, { ...request, topUpId, reference }),
    );
    return this.result(request.tenantId, credited);
  }

  /** Credits a paid top-up: ledger, top-up row and `credit-added`, once (a credited row is left alone). */
  private async credit(
    tx: EntityManager,
    request: {
      tenantId: string;
      idempotencyKey: string;
      amountMicros: bigint;
      topUpId: string;
      reference: string;
      correlationId: string;
    },
  ): Promise<TopUpRow> {
    const { topUpId, reference } = request;
    if ((await this.topUps.lockState(tx, request.tenantId, request.idempotencyKey)) === 'credited') {
      return this.topUps.read(tx, request.tenantId, request.idempotencyKey);
    }
    await this.tenants.lock(tx, request.tenantId);
    const now = new Date();
    const transactionId =
      (await this.ledger.post(tx, 'top-up', topUpId, now, topUp(request.tenantId, request.amountMicros))) ??
      this.ledger.transactionId('top-up', topUpId);
    const funds = await this.tenants.read(tx, request.tenantId);
    await this.topUps.markCredited(tx, request.tenantId, request.idempotencyKey, {
      paymentReference: reference,
      availableAfterMicros: funds.availableMicros,
      ledgerTransactionId: transactionId,
    });
    await this.outbox.emit(
      tx,
      CreditAdded,
      {
        topUpId,
        tenantId: request.tenantId,
        amount: money(this.config.BILLING_CURRENCY, request.amountMicros),
        paymentReference: reference,
        availableAfterMicros: funds.availableMicros.toString(),
        ledgerTransactionId: transactionId,
        addedAt: now.toISOString(),
      },
      { correlationId: request.correlationId, causationId: null, tenantId: request.tenantId },
      now,
    );
    return this.topUps.read(tx, request.tenantId, request.idempotencyKey);
  }

  /**
   * A top-up requested through the gateway (`credit-requested`), within the event's transaction: charged with the
   * top-up id as the provider's idempotency key, then credited (`credit-added`) or declined (`credit-declined`).
   * Its idempotency key here is `request:<top-up id>`, so it can never collide with an API key.
   */
  async topUpRequested(
    tx: EntityManager,
    request: CreditRequestedPayload,
    correlationId: string,
  ): Promise<void> {
    const amountMicros = BigInt(request.amount.micros);
    const key = `request:${request.topUpId}`;
    const row = await this.topUps.claim(tx, {
      tenantId: request.tenantId,
      idempotencyKey: key,
      topUpId: request.topUpId,
      amountMicros,
      paymentMethod: request.paymentMethod,
    });
    if (row.state !== 'pending') return;
    const refusal =
      request.amount.currency !== this.config.BILLING_CURRENCY || amountMicros <= 0n
        ? `a top-up must be a positive amount in ${this.config.BILLING_CURRENCY}`
        : amountMicros > this.config.BILLING_MAX_TOP_UP_MICROS
          ? `a single top-up may be at most ${this.config.BILLING_MAX_TOP_UP_MICROS} micro-units`
          : undefined;
    let reference: string | undefined;
    let reason = refusal;
    if (!refusal) {
      try {
        ({ reference } = await this.payments.charge({
          idempotencyKey: request.topUpId,
          tenantId: request.tenantId,
          currency: this.config.BILLING_CURRENCY,
          amountMicros,
          paymentMethod: request.paymentMethod,
        }));
      } catch (error) {
        if (!(error instanceof PaymentDeclined)) throw error;
        reason = error.reason;
      }
    }
    if (reference) {
      await this.credit(tx, {
        tenantId: request.tenantId,
        idempotencyKey: key,
        amountMicros,
        topUpId: request.topUpId,
        reference,
        correlationId,
      });
      return;
    }
    const now = new Date();
    await this.topUps.markDeclined(tx, request.tenantId, key, reason ?? 'declined');
    await this.outbox.emit(
      tx,
      CreditDeclined,
      {
        topUpId: request.topUpId,
        tenantId: request.tenantId,
        amount: request.amount,
        reason: reason ?? 'declined',
        declinedAt: now.toISOString(),
      },
      { correlationId, causationId: null, tenantId: request.tenantId },
      now,
    );
  }

  private result(tenantId: string, row: TopUpRow): TopUpResult {
    return {
      topUpId: row.top_up_id,
      tenantId,
      amount: money(this.config.BILLING_CURRENCY, BigInt(row.amount_micros)),
      paymentReference: row.payment_reference ?? '',
      availableAfterMicros: row.available_after_micros ?? '0',
      ledgerTransactionId: row.ledger_transaction_id ?? '',
    };
  }
}

function declined(reason: string): DomainError {
  return new DomainError(
    'BILLING.PAYMENT_DECLINED',
    'payment-required',
    `the payment was declined: ${reason}`,
  );
}
