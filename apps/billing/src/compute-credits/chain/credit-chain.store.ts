import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../../config/billing.config';

export type WithdrawalState = 'pending' | 'submitted' | 'minted' | 'failed';

export interface WithdrawalRow {
  withdrawal_id: string;
  credit_id: string;
  tenant_id: string;
  address: string;
  gpu_seconds: string;
  state: WithdrawalState;
  transaction_hash: string | null;
  failure_reason: string | null;
  request_hash: string;
  requested_at: Date;
  updated_at: Date;
}

export interface RedemptionRow {
  transaction_hash: string;
  log_index: number;
  block_number: string;
  credit_id: string;
  tenant_id: string;
  from_address: string;
  gpu_seconds: string;
  status: 'credited' | 'ignored';
  reason: string | null;
}

/** Every SQL statement on the chain side of compute credits: withdrawals, redemptions and the cursor. */
@Injectable()
export class CreditChainStore {
  readonly cursor: string;
  private readonly withdrawals: string;
  private readonly redemptionTable: string;
  private readonly credits: string;
  private readonly balances: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.cursor = table('credit_chain_cursor');
    this.withdrawals = table('compute_credit_withdrawals');
    this.redemptionTable = table('compute_credit_redemptions');
    this.credits = table('compute_credits');
    this.balances = table('ledger_balances');
  }

  async withdrawal(db: EntityManager, withdrawalId: string): Promise<WithdrawalRow | undefined> {
    const [row]: WithdrawalRow[] = await db.query(
      `SELECT * FROM ${this.withdrawals} WHERE withdrawal_id = $1`,
      [withdrawalId],
    );
    return row;
  }

  async withdrawalsOf(db: EntityManager, tenantId: string, creditId: string): Promise<WithdrawalRow[]> {
    return db.query(
      `SELECT * FROM ${this.withdrawals} WHERE tenant_id = $1 AND credit_id = $2 ORDER BY requested_at DESC LIMIT 100`,
      [tenantId, creditId],
    );
  }

  async insertWithdrawal(tx: EntityManager, row: WithdrawalRow): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.withdrawals} (withdrawal_id, credit_id, tenant_id, address, gpu_seconds, state,
         request_hash, requested_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $7)`,
      [
        row.withdrawal_id,
        row.credit_id,
        row.tenant_id,
        row.address,
        row.gpu_seconds,
        row.request_hash,
        row.requested_at,
      ],
    );
  }

  /** Withdrawals still to mint or to confirm, oldest first, with their credit's expiry. */
  async open(db: EntityManager, limit: number): Promise<Array<WithdrawalRow & { expires_at: Date }>> {
    return db.query(
      `SELECT w.*, c.expires_at FROM ${this.withdrawals} w JOIN ${this.credits} c USING (credit_id)
       WHERE w.state IN ('pending', 'submitted') ORDER BY w.requested_at LIMIT $1`,
      [limit],
    );
  }

  /** Moves a withdrawal on from the state it was read in (false: another pass moved it first). */
  async advance(
    tx: EntityManager,
    withdrawalId: string,
    from: WithdrawalState,
    to: WithdrawalState,
    detail: { transactionHash?: string; failureReason?: string } = {},
  ): Promise<boolean> {
    const [, count] = await tx.query(
      `UPDATE ${this.withdrawals} SET state = $3, transaction_hash = coalesce($4, transaction_hash),
         failure_reason = $5, updated_at = now()
       WHERE withdrawal_id = $1 AND state = $2`,
      [withdrawalId, from, to, detail.transactionHash ?? null, detail.failureReason ?? null],
    );
    return Number(count) > 0;
  }

  /** Records a redemption read from the chain; false when it was recorded before. */
  async recordRedemption(tx: EntityManager, row: RedemptionRow): Promise<boolean> {
    const inserted: unknown[] = await tx.query(
      `INSERT INTO ${this.redemptionTable} (transaction_hash, log_index, block_number, credit_id, tenant_id,
         from_address, gpu_seconds, status, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING transaction_hash`,
      [
        row.transaction_hash,
        row.log_index,
        row.block_number,
        row.credit_id,
        row.tenant_id,
        row.from_address,
        row.gpu_seconds,
        row.status,
        row.reason,
      ],
    );
    return inserted.length > 0;
  }

  async redemptions(db: EntityManager, status?: 'credited' | 'ignored'): Promise<RedemptionRow[]> {
    return db.query(
      `SELECT * FROM ${this.redemptionTable} WHERE ($1::text IS NULL OR status = $1)
       ORDER BY recorded_at DESC LIMIT 200`,
      [status ?? null],
    );
  }

  /** Credits expired by `at` that still have GPU-seconds held as tokens, with their on-chain value. */
  async lapsedOnChain(
    tx: EntityManager,
    at: Date,
  ): Promise<Array<{ credit_id: string; price_per_gpu_hour_micros: string; micros: string }>> {
    return tx.query(
      `SELECT c.credit_id, c.price_per_gpu_hour_micros, b.balance_micros::text AS micros
       FROM ${this.credits} c JOIN ${this.balances} b ON b.account = 'credit:' || c.credit_id || ':on-chain'
       WHERE c.expires_at <= $1 AND b.balance_micros > 0`,
      [at],
    );
  }
}
