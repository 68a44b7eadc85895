import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { Accounts } from '../domain/ledger';
import { LedgerStore } from './ledger.store';

export interface TenantFunds {
  tenantId: string;
  creditLimitMicros: bigint;
  availableMicros: bigint;
  heldMicros: bigint;
}

/**
 * Tenants as billing sees them. Every decision about a tenant's money (a hold, a top-up, an accrual, the
 * exhaustion check) first takes the tenant's row lock, so decisions on one tenant happen one at a time and
 * always see the balance the previous one left: no lost update, no hold granted twice from the same credit.
 */
@Injectable()
export class TenantAccounts {
  private readonly table: string;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'tenant_accounts');
  }

  /** Locks the tenant (creating it with the default credit limit on first sight) and reads its funds. */
  async lock(tx: EntityManager, tenantId: string): Promise<TenantFunds> {
    return (await this.lockMany(tx, [tenantId])).get(tenantId) as TenantFunds;
  }

  /** {@link lock} for several tenants at once, locked in id order (so two batches never deadlock on them). */
  async lockMany(tx: EntityManager, tenantIds: readonly string[]): Promise<Map<string, TenantFunds>> {
    const ids = [...new Set(tenantIds)].sort();
    await tx.query(
      `INSERT INTO ${this.table} (tenant_id, credit_limit_micros) SELECT unnest($1::text[]), $2
       ON CONFLICT DO NOTHING`,
      [ids, this.config.BILLING_DEFAULT_CREDIT_LIMIT_MICROS.toString()],
    );
    const rows: Array<{ tenant_id: string; credit_limit_micros: string }> = await tx.query(
      `SELECT tenant_id, credit_limit_micros FROM ${this.table} WHERE tenant_id = ANY($1::text[])
       ORDER BY tenant_id FOR UPDATE`,
      [ids],
    );
    const accounts = ids.flatMap((id) => [Accounts.tenantAvailable(id), Accounts.tenantHeld(id)]);
    const balances = await this.ledger.balancesOf(tx, accounts);
    return new Map(
      rows.map((row) => [
        row.tenant_id,
        {
          tenantId: row.tenant_id,
          creditLimitMicros: BigInt(row.credit_limit_micros),
          availableMicros: balances.get(Accounts.tenantAvailable(row.tenant_id)) ?? 0n,
          heldMicros: balances.get(Accounts.tenantHeld(row.tenant_id)) ?? 0n,
        },
      ]),
    );
  }

  /** Reads a tenant's funds without locking (for answers to people, not for decisions). */
  async read(tx: EntityManager, tenantId: string): Promise<TenantFunds> {
    const [row]: Array<{ credit_limit_micros: string }> = await tx.query(
      `SELECT credit_limit_micros FROM ${this.table} WHERE tenant_id = $1`,
      [tenantId],
    );
    const limit = row ? BigInt(row.credit_limit_micros) : this.config.BILLING_DEFAULT_CREDIT_LIMIT_MICROS;
    return this.funds(tx, tenantId, limit);
  }

  async setCreditLimit(tx: EntityManager, tenantId: string, limitMicros: bigint): Promise<TenantFunds> {
    await this.lock(tx, tenantId);
    await tx.query(`UPDATE ${this.table} SET credit_limit_micros = $2 WHERE tenant_id = $1`, [
      tenantId,
      limitMicros.toString(),
    ]);
    return this.funds(tx, tenantId, limitMicros);
  }

  private async funds(tx: EntityManager, tenantId: string, creditLimitMicros: bigint): Promise<TenantFunds> {
    const available = Accounts.tenantAvailable(tenantId);
    const held = Accounts.tenantHeld(tenantId);
    const balances = await this.ledger.balancesOf(tx, [available, held]);
    return {
      tenantId,
      creditLimitMicros,
      availableMicros: balances.get(available) ?? 0n,
      heldMicros: balances.get(held) ?? 0n,
    };
  }
}
