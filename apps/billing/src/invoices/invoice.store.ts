import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { InvoiceRow } from './invoice.service';

export interface InvoiceLineRow {
  line_no: number;
  job_id: string;
  reservation_id: string;
  gpu_product: string;
  gpu_seconds: string;
  unit_price_micros: string;
  amount_micros: string;
  compute_credit_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Reads of issued invoices and their lines (issuing them is `InvoiceService`'s, in its own transaction). */
@Injectable()
export class InvoiceStore {
  private readonly invoices: string;
  private readonly lineTable: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: BillingConfig,
  ) {
    this.invoices = qualified(config.DATABASE_SCHEMA, 'invoices');
    this.lineTable = qualified(config.DATABASE_SCHEMA, 'invoice_lines');
  }

  /** A tenant's invoices, newest period first, before the period `before` (a tenant has one per period). */
  async pageOfTenant(tenantId: string, before: string | undefined, limit: number): Promise<InvoiceRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.invoices} WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR period_start < $2)
       ORDER BY period_start DESC LIMIT $3`,
      [tenantId, before ?? null, limit],
    );
  }

  /** Every tenant's invoices (or one tenant's), newest period first, after the key (period start, invoice id). */
  async page(
    tenantId: string | undefined,
    after: [periodStart: string, invoiceId: string] | undefined,
    limit: number,
  ): Promise<InvoiceRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.invoices}
       WHERE ($1::text IS NULL OR tenant_id = $1)
         AND ($2::timestamptz IS NULL OR (period_start, invoice_id) < ($2::timestamptz, $3::uuid))
       ORDER BY period_start DESC, invoice_id DESC LIMIT $4`,
      [tenantId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
  }

  /** An invoice by id; with `tenantId`, only if it is that tenant's. */
  async find(invoiceId: string, tenantId?: string): Promise<InvoiceRow | undefined> {
    const rows: InvoiceRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.invoices} WHERE invoice_id = $1 AND ($2::text IS NULL OR tenant_id = $2)`,
      [invoiceId, tenantId ?? null],
    );
    return rows[0];
  }

  async lines(invoiceId: string): Promise<InvoiceLineRow[]> {
    return this.dataSource.query(`SELECT * FROM ${this.lineTable} WHERE invoice_id = $1 ORDER BY line_no`, [
      invoiceId,
    ]);
  }
}
