import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { CreditHolding } from '../domain/compute-credits';

export interface CommitmentRow {
  commitment_id: string;
  supplier_id: string;
  gpu_product: string;
  gpu_seconds: string;
  gpu_seconds_sold: string;
  ask_per_gpu_hour_micros: string;
  available_until: Date;
  request_hash: string;
  created_at: Date;
}

export interface CreditRow {
  credit_id: string;
  commitment_id: string;
  supplier_id: string;
  gpu_product: string;
  gpu_seconds: string;
  price_per_gpu_hour_micros: string;
  ask_per_gpu_hour_micros: string;
  purchased_by: string;
  request_hash: string;
  expires_at: Date;
  purchased_at: Date;
}

/** A credit as one holder holds it: the credit, and the holder's money in it (available and held). */
export interface HoldingRow extends CreditRow {
  tenant_id: string;
  expiries: number;
  available_micros: string;
  held_micros: string;
}

export interface TransferRow {
  transfer_id: string;
  credit_id: string;
  from_tenant_id: string;
  to_tenant_id: string;
  gpu_seconds: string;
  request_hash: string;
  transferred_at: Date;
}

/**
 * Every SQL statement on the compute credit tables (commitments, credits, holdings, transfers). A holding's
 * money is read from the ledger's balances of its two accounts; every change of a holding is made under its
 * holder's tenant lock (`TenantAccounts`), like any other money decision about that tenant.
 */
@Injectable()
export class ComputeCreditStore {
  private readonly commitments: string;
  private readonly credits: string;
  private readonly holdings: string;
  private readonly transfers: string;
  private readonly meters: string;
  private readonly balances: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.commitments = table('capacity_commitments');
    this.credits = table('compute_credits');
    this.holdings = table('compute_credit_holdings');
    this.transfers = table('compute_credit_transfers');
    this.meters = table('meters');
    this.balances = table('ledger_balances');
  }

  /** The holding columns: the credit, the holder, and the balances of its two ledger accounts. */
  private holdingSelect(where: string): string {
    return `SELECT c.*, h.tenant_id, h.expiries,
        coalesce(a.balance_micros, 0)::text AS available_micros, coalesce(d.balance_micros, 0)::text AS held_micros
      FROM ${this.holdings} h JOIN ${this.credits} c ON c.credit_id = h.credit_id
      LEFT JOIN ${this.balances} a ON a.account = 'credit:' || h.credit_id || ':holder:' || h.tenant_id || ':available'
      LEFT JOIN ${this.balances} d ON d.account = 'credit:' || h.credit_id || ':holder:' || h.tenant_id || ':held'
      WHERE ${where}`;
  }

  /** The unexpired holdings of these tenants, for who pays a matched reservation (caller holds their locks). */
  async holdingsOf(
    tx: EntityManager,
    tenantIds: readonly string[],
    now: Date,
  ): Promise<Map<string, CreditHolding[]>> {
    const rows: HoldingRow[] = await tx.query(
      `${this.holdingSelect('h.tenant_id = ANY($1::text[]) AND c.expires_at > $2')} ORDER BY c.expires_at, c.credit_id`,
      [[...new Set(tenantIds)], now],
    );
    const result = new Map<string, CreditHolding[]>();
    for (const row of rows) {
      const list = result.get(row.tenant_id) ?? [];
      list.push({
        creditId: row.credit_id,
        gpuProduct: row.gpu_product,
        supplierId: row.supplier_id,
        pricePerGpuHourMicros: BigInt(row.price_per_gpu_hour_micros),
        askPerGpuHourMicros: BigInt(row.ask_per_gpu_hour_micros),
        expiresAt: row.expires_at,
        availableMicros: BigInt(row.available_micros),
      });
      result.set(row.tenant_id, list);
    }
    return result;
  }

  /** One tenant's holding of one credit, or undefined when it holds none of it. */
  async holding(db: EntityManager, tenantId: string, creditId: string): Promise<HoldingRow | undefined> {
    const [row]: HoldingRow[] = await db.query(this.holdingSelect('h.tenant_id = $1 AND h.credit_id = $2'), [
      tenantId,
      creditId,
    ]);
    return row;
  }

  /** A tenant's holdings, soonest expiry first. */
  async holdingsOfTenant(db: EntityManager, tenantId: string): Promise<HoldingRow[]> {
    return db.query(`${this.holdingSelect('h.tenant_id = $1')} ORDER BY c.expires_at, c.credit_id`, [
      tenantId,
    ]);
  }

  /** Holdings of expired credits that still have available money (the expiry pass forfeits it). */
  async lapsed(db: EntityManager, now: Date, limit: number): Promise<HoldingRow[]> {
    return db.query(
      `${this.holdingSelect('c.expires_at <= $1 AND coalesce(a.balance_micros, 0) > 0')}
       ORDER BY c.expires_at, c.credit_id, h.tenant_id LIMIT $2`,
      [now, limit],
    );
  }

  /** Counts one more expiry of a holding; the count names its ledger transaction. */
  async countExpiry(tx: EntityManager, creditId: string, tenantId: string): Promise<number> {
    const [rows] = await tx.query(
      `UPDATE ${this.holdings} SET expiries = expiries + 1 WHERE credit_id = $1 AND tenant_id = $2
       RETURNING expiries`,
      [creditId, tenantId],
    );
    return (rows as Array<{ expiries: number }>)[0].expiries;
  }

  async insertCommitment(tx: EntityManager, row: Omit<CommitmentRow, 'gpu_seconds_sold'>): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.commitments} (commitment_id, supplier_id, gpu_product, gpu_seconds, ask_per_gpu_hour_micros,
         available_until, request_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (commitment_id) DO NOTHING`,
      [
        row.commitment_id,
        row.supplier_id,
        row.gpu_product,
        row.gpu_seconds,
        row.ask_per_gpu_hour_micros,
        row.available_until,
        row.request_hash,
        row.created_at,
      ],
    );
  }

  async commitment(db: EntityManager, commitmentId: string): Promise<CommitmentRow | undefined> {
    const [row]: CommitmentRow[] = await db.query(
      `SELECT * FROM ${this.commitments} WHERE commitment_id = $1`,
      [commitmentId],
    );
    return row;
  }

  /** A supplier's commitments, newest first, with the GPU-seconds its credits have paid for so far. */
  async commitmentsOf(
    db: EntityManager,
    supplierId: string,
  ): Promise<Array<CommitmentRow & { gpu_seconds_used: string }>> {
    return db.query(
      `SELECT k.*, coalesce((SELECT sum(m.gpu_seconds) FROM ${this.credits} c
           JOIN ${this.meters} m ON m.compute_credit_id = c.credit_id
           WHERE c.commitment_id = k.commitment_id AND m.settled_at IS NOT NULL), 0)::text AS gpu_seconds_used
       FROM ${this.commitments} k WHERE k.supplier_id = $1 ORDER BY k.created_at DESC LIMIT 200`,
      [supplierId],
    );
  }

  /** Commitments with capacity left to sell, cheapest ask first (then the longest-lived). */
  async openCommitments(
    db: EntityManager,
    gpuProduct: string | undefined,
    now: Date,
  ): Promise<CommitmentRow[]> {
    return db.query(
      `SELECT * FROM ${this.commitments}
       WHERE gpu_seconds_sold < gpu_seconds AND available_until > $1 AND ($2::text IS NULL OR gpu_product = $2)
       ORDER BY ask_per_gpu_hour_micros, available_until DESC, commitment_id LIMIT 100`,
      [now, gpuProduct ?? null],
    );
  }

  /**
   * Locks the commitment a purchase of `gpuSeconds` is sold from: the one named, or the cheapest open one of the
   * product with that much left and not ending before `minUntil`. Undefined when none can serve it.
   */
  async lockCommitmentFor(
    tx: EntityManager,
    request: { gpuProduct: string; gpuSeconds: number; commitmentId?: string },
    minUntil: Date,
  ): Promise<CommitmentRow | undefined> {
    const [row]: CommitmentRow[] = await tx.query(
      `SELECT * FROM ${this.commitments}
       WHERE gpu_product = $1 AND gpu_seconds - gpu_seconds_sold >= $2 AND available_until > $3
         AND ($4::uuid IS NULL OR commitment_id = $4)
       ORDER BY ask_per_gpu_hour_micros, available_until DESC, commitment_id LIMIT 1 FOR UPDATE`,
      [request.gpuProduct, request.gpuSeconds, minUntil, request.commitmentId ?? null],
    );
    return row;
  }

  async sell(tx: EntityManager, commitmentId: string, gpuSeconds: number): Promise<void> {
    await tx.query(
      `UPDATE ${this.commitments} SET gpu_seconds_sold = gpu_seconds_sold + $2 WHERE commitment_id = $1`,
      [commitmentId, gpuSeconds],
    );
  }

  async credit(db: EntityManager, creditId: string): Promise<CreditRow | undefined> {
    const [row]: CreditRow[] = await db.query(`SELECT * FROM ${this.credits} WHERE credit_id = $1`, [
      creditId,
    ]);
    return row;
  }

  /** Records a new credit and its buyer as first holder. */
  async insertCredit(tx: EntityManager, row: CreditRow): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.credits} (credit_id, commitment_id, supplier_id, gpu_product, gpu_seconds,
         price_per_gpu_hour_micros, ask_per_gpu_hour_micros, purchased_by, request_hash, expires_at, purchased_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.credit_id,
        row.commitment_id,
        row.supplier_id,
        row.gpu_product,
        row.gpu_seconds,
        row.price_per_gpu_hour_micros,
        row.ask_per_gpu_hour_micros,
        row.purchased_by,
        row.request_hash,
        row.expires_at,
        row.purchased_at,
      ],
    );
    await this.addHolder(tx, row.credit_id, row.purchased_by, row.purchased_at);
  }

  async addHolder(tx: EntityManager, creditId: string, tenantId: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.holdings} (credit_id, tenant_id, acquired_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [creditId, tenantId, at],
    );
  }

  async transfer(db: EntityManager, transferId: string): Promise<TransferRow | undefined> {
    const [row]: TransferRow[] = await db.query(`SELECT * FROM ${this.transfers} WHERE transfer_id = $1`, [
      transferId,
    ]);
    return row;
  }

  async insertTransfer(tx: EntityManager, row: TransferRow): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.transfers} (transfer_id, credit_id, from_tenant_id, to_tenant_id, gpu_seconds,
         request_hash, transferred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.transfer_id,
        row.credit_id,
        row.from_tenant_id,
        row.to_tenant_id,
        row.gpu_seconds,
        row.request_hash,
        row.transferred_at,
      ],
    );
    await this.addHolder(tx, row.credit_id, row.to_tenant_id, row.transferred_at);
  }
}
