import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  CreditAdded,
  CreditDeclined,
  CreditRequestedPayload,
  deterministicUuid,
  IdNamespaces,
  money,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { topUp } from '../domain/ledger';
import { LedgerStore } from '../ledger/ledger.store';
import { TenantAccounts } from '../ledger/tenant-accounts';
import { PAYMENT_PROVIDER, PaymentDeclined, PaymentProvider } from './payment-provider';

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

interface TopUpRow {
  top_up_id: string;
  amount_micros: string;
  payment_method: string;
  state: 'pending' | 'credited' | 'declined';
  payment_reference: string | null;
  decline_reason: string | null;
  available_after_micros: string | null;
  ledger_transaction_id: string | null;
}

/**
 * Credit top-ups, idempotent by (tenant, key): the first request records the top-up as pending, charges the
 * payment provider (with the top-up id as the provider's idempotency key, so a crash and retry is charged
 * once), then credits the ledger. A repeat with the same key returns the first answer; the same key with a
 * different amount or method is refused (422).
 */
@Injectable()
export class CreditsService {
  private readonly topUps: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(PAYMENT_PROVIDER) private readonly payments: PaymentProvider,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(TenantAccounts) private readonly tenants: TenantAccounts,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.topUps = qualified(config.DATABASE_SCHEMA, 'top_ups');
  }

  async topUp(request: TopUpRequest): Promise<TopUpResult> {
    if (request.amountMicros > this.config.BILLING_MAX_TOP_UP_MICROS) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'BILLING.TOP_UP_TOO_LARGE',
        `a single top-up may be at most ${this.config.BILLING_MAX_TOP_UP_MICROS} micro-units`,
        [{ field: 'amount.micros', message: 'above the largest single top-up' }],
      );
    }
    const topUpId = deterministicUuid(IdNamespaces.topUp, request.tenantId, request.idempotencyKey);
    const row = await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.topUps} (tenant_id, idempotency_key, top_up_id, amount_micros, payment_method, state)
         VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT DO NOTHING`,
        [
          request.tenantId,
          request.idempotencyKey,
          topUpId,
          request.amountMicros.toString(),
          request.paymentMethod,
        ],
      );
      return this.read(tx, request.tenantId, request.idempotencyKey);
    });
    if (BigInt(row.amount_micros) !== request.amountMicros || row.payment_method !== request.paymentMethod) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'BILLING.IDEMPOTENCY_KEY_REUSED',
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
      await this.dataSource.query(
        `UPDATE ${this.topUps} SET state = 'declined', decline_reason = $3
         WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
        [request.tenantId, request.idempotencyKey, error.reason],
      );
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
    const [current] = await tx.query(
      `SELECT state FROM ${this.topUps} WHERE tenant_id = $1 AND idempotency_key = $2 FOR UPDATE`,
      [request.tenantId, request.idempotencyKey],
    );
    if (current.state === 'credited') return this.read(tx, request.tenantId, request.idempotencyKey);
    await this.tenants.lock(tx, request.tenantId);
    const now = new Date();
    const transactionId =
      (await this.ledger.post(tx, 'top-up', topUpId, now, topUp(request.tenantId, request.amountMicros))) ??
      this.ledger.transactionId('top-up', topUpId);
    const funds = await this.tenants.read(tx, request.tenantId);
    await tx.query(
      `UPDATE ${this.topUps} SET state = 'credited', payment_reference = $3, available_after_micros = $4,
         ledger_transaction_id = $5 WHERE tenant_id = $1 AND idempotency_key = $2`,
      [request.tenantId, request.idempotencyKey, reference, funds.availableMicros.toString(), transactionId],
    );
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
    return this.read(tx, request.tenantId, request.idempotencyKey);
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
    await tx.query(
      `INSERT INTO ${this.topUps} (tenant_id, idempotency_key, top_up_id, amount_micros, payment_method, state)
       VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT DO NOTHING`,
      [request.tenantId, key, request.topUpId, amountMicros.toString(), request.paymentMethod],
    );
    const row = await this.read(tx, request.tenantId, key);
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
    await tx.query(
      `UPDATE ${this.topUps} SET state = 'declined', decline_reason = $3 WHERE tenant_id = $1 AND idempotency_key = $2`,
      [request.tenantId, key, reason],
    );
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

  private async read(tx: EntityManager, tenantId: string, key: string): Promise<TopUpRow> {
    const [row]: TopUpRow[] = await tx.query(
      `SELECT * FROM ${this.topUps} WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, key],
    );
    return row;
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

function declined(reason: string): ProblemException {
  return new ProblemException(
    HttpStatus.PAYMENT_REQUIRED,
    'BILLING.PAYMENT_DECLINED',
    `the payment was declined: ${reason}`,
  );
}
