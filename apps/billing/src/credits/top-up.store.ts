import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';

export interface TopUpRow {
  top_up_id: string;
  amount_micros: string;
  payment_method: string;
  state: 'pending' | 'credited' | 'declined';
  payment_reference: string | null;
  decline_reason: string | null;
  available_after_micros: string | null;
  ledger_transaction_id: string | null;
}

export interface NewTopUp {
  tenantId: string;
  idempotencyKey: string;
  topUpId: string;
  amountMicros: bigint;
  paymentMethod: string;
}

/**
 * The top-ups table, keyed by (tenant, idempotency key): `pending` until the payment provider answers, then
 * `credited` or `declined`, never back.
 */
@Injectable()
export class TopUpStore {
  private readonly table: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    this.table = qualified(config.DATABASE_SCHEMA, 'top_ups');
  }

  /** Records a pending top-up unless its key is known; the row as it is now either way. */
  async claim(tx: EntityManager, topUp: NewTopUp): Promise<TopUpRow> {
    await tx.query(
      `INSERT INTO ${this.table} (tenant_id, idempotency_key, top_up_id, amount_micros, payment_method, state)
       VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT DO NOTHING`,
      [
        topUp.tenantId,
        topUp.idempotencyKey,
        topUp.topUpId,
        topUp.amountMicros.toString(),
        topUp.paymentMethod,
      ],
    );
    return this.read(tx, topUp.tenantId, topUp.idempotencyKey);
  }

  async read(db: EntityManager, tenantId: string, key: string): Promise<TopUpRow> {
    const [row]: TopUpRow[] = await db.query(
      `SELECT * FROM ${this.table} WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, key],
    );
    return row;
  }

  /** The top-up's state, locked for the rest of `tx`. */
  async lockState(tx: EntityManager, tenantId: string, key: string): Promise<TopUpRow['state']> {
    const [row]: Array<Pick<TopUpRow, 'state'>> = await tx.query(
      `SELECT state FROM ${this.table} WHERE tenant_id = $1 AND idempotency_key = $2 FOR UPDATE`,
      [tenantId, key],
    );
    return row.state;
  }

  async markCredited(
    tx: EntityManager,
    tenantId: string,
    key: string,
    credited: { paymentReference: string; availableAfterMicros: bigint; ledgerTransactionId: string },
  ): Promise<void> {
    await tx.query(
      `UPDATE ${this.table} SET state = 'credited', payment_reference = $3, available_after_micros = $4,
         ledger_transaction_id = $5 WHERE tenant_id = $1 AND idempotency_key = $2`,
      [
        tenantId,
        key,
        credited.paymentReference,
        credited.availableAfterMicros.toString(),
        credited.ledgerTransactionId,
      ],
    );
  }

  /** Declines a pending top-up (a credited one stays credited). */
  async markDeclined(
    db: EntityManager | DataSource,
    tenantId: string,
    key: string,
    reason: string,
  ): Promise<void> {
    await db.query(
      `UPDATE ${this.table} SET state = 'declined', decline_reason = $3
       WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
      [tenantId, key, reason],
    );
  }
}
