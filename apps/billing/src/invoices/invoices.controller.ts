import { Controller, Get, Headers, HttpStatus, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { money } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { tenantIdFrom } from '../credits/accounts.controller';
import { invoiceCsv, InvoiceLineView } from '../domain/invoice-format';
import { InvoiceRow } from './invoice.service';

const PageSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(100).optional(),
});

/** Opaque cursors: the sort key of the last item of the page, base64url-encoded. */
export const cursorOf = (key: string) => Buffer.from(key).toString('base64url');
export const keyOf = (cursor: string | undefined) =>
  cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');

/** A tenant's invoices and usage, for the gateway (which scopes requests to the caller's tenant). */
@Controller('v1/tenants/:tenantId')
export class InvoicesController {
  private readonly invoices: string;
  private readonly lines: string;
  private readonly meters: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.invoices = table('invoices');
    this.lines = table('invoice_lines');
    this.meters = table('meters');
  }

  /** Invoices, newest period first; `cursor` from the previous page's `nextCursor`. */
  @Get('invoices')
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = parsePage(query);
    const before = keyOf(page.cursor);
    const rows: InvoiceRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.invoices} WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR period_start < $2)
       ORDER BY period_start DESC LIMIT $3`,
      [tenantIdFrom(tenantId), before ?? null, page.limit],
    );
    return {
      items: rows.map((row) => invoiceSummary(row)),
      nextCursor:
        rows.length === page.limit
          ? cursorOf(new Date(rows[rows.length - 1].period_start).toISOString())
          : null,
    };
  }

  /** One invoice with its lines: JSON, or CSV with `Accept: text/csv` or `?format=csv`. */
  @Get('invoices/:invoiceId')
  async one(
    @Param('tenantId') tenantId: string,
    @Param('invoiceId') invoiceId: string,
    @Query('format') format: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const id = validated(z.uuid(), invoiceId, 'BILLING.INVALID_INVOICE_ID', 'the invoice id is not a UUID');
    const [invoice]: InvoiceRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.invoices} WHERE invoice_id = $1 AND tenant_id = $2`,
      [id, tenantIdFrom(tenantId)],
    );
    await sendInvoice(this.dataSource, this.lines, invoice, format, accept, response);
  }

  /** Usage per reservation (running and settled), newest first. */
  @Get('usage')
  async usage(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = parsePage(query);
    const before = keyOf(page.cursor);
    const rows: Array<{
      reservation_id: string;
      job_id: string;
      started_at: Date | null;
      finished_at: Date | null;
      outcome: string | null;
      charged_seconds: number;
      charged_micros: string;
      hold_micros: string;
      held_remaining_micros: string;
      settled_at: Date | null;
      invoice_id: string | null;
    }> = await this.dataSource.query(
      `SELECT * FROM ${this.meters} WHERE tenant_id = $1 AND ($2::uuid IS NULL OR reservation_id < $2)
       ORDER BY reservation_id DESC LIMIT $3`,
      [tenantIdFrom(tenantId), before ?? null, page.limit],
    );
    const currency = this.config.BILLING_CURRENCY;
    return {
      items: rows.map((row) => ({
        reservationId: row.reservation_id,
        jobId: row.job_id,
        state: row.settled_at ? 'settled' : row.started_at ? 'running' : 'pending',
        startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
        finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
        outcome: row.outcome,
        chargedSeconds: row.charged_seconds,
        charged: money(currency, BigInt(row.charged_micros)),
        hold: money(currency, BigInt(row.hold_micros)),
        heldRemaining: money(currency, BigInt(row.held_remaining_micros)),
        invoiceId: row.invoice_id,
      })),
      nextCursor: rows.length === page.limit ? cursorOf(rows[rows.length - 1].reservation_id) : null,
    };
  }
}

/** An invoice without its lines, as listed to its tenant and to finance. */
export function invoiceSummary(row: InvoiceRow) {
  return {
    invoiceId: row.invoice_id,
    tenantId: row.tenant_id,
    periodStart: new Date(row.period_start).toISOString(),
    periodEnd: new Date(row.period_end).toISOString(),
    lineCount: Number(row.line_count),
    gpuSeconds: Number(row.gpu_seconds),
    total: money(row.currency, BigInt(row.total_micros)),
    issuedAt: new Date(row.issued_at).toISOString(),
  };
}

function parsePage(query: unknown): z.infer<typeof PageSchema> {
  return validated(PageSchema, query, 'BILLING.INVALID_PAGE', 'the paging parameters are invalid');
}

/** One invoice with its lines, answered as JSON or (asked for by `?format=csv` or `Accept: text/csv`) CSV. */
export async function sendInvoice(
  dataSource: DataSource,
  linesTable: string,
  invoice: InvoiceRow | undefined,
  format: string | undefined,
  accept: string | undefined,
  response: Response,
): Promise<void> {
  if (!invoice) {
    throw new ProblemException(HttpStatus.NOT_FOUND, 'BILLING.INVOICE_NOT_FOUND', 'no such invoice');
  }
  const rows: Array<{
    line_no: number;
    job_id: string;
    reservation_id: string;
    gpu_product: string;
    gpu_seconds: string;
    unit_price_micros: string;
    amount_micros: string;
    started_at: Date | null;
    finished_at: Date | null;
  }> = await dataSource.query(`SELECT * FROM ${linesTable} WHERE invoice_id = $1 ORDER BY line_no`, [
    invoice.invoice_id,
  ]);
  const lines: InvoiceLineView[] = rows.map((row) => ({
    lineNo: Number(row.line_no),
    jobId: row.job_id,
    reservationId: row.reservation_id,
    gpuProduct: row.gpu_product,
    gpuSeconds: Number(row.gpu_seconds),
    unitPricePerGpuHourMicros: String(row.unit_price_micros),
    amountMicros: String(row.amount_micros),
    startedAt: row.started_at ? new Date(row.started_at).toISOString() : undefined,
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : undefined,
  }));
  if (format === 'csv' || (format === undefined && accept?.includes('text/csv'))) {
    response
      .type('text/csv')
      .attachment(
        `invoice-${invoice.tenant_id}-${new Date(invoice.period_start).toISOString().slice(0, 10)}.csv`,
      )
      .send(invoiceCsv(lines, String(invoice.total_micros), Number(invoice.gpu_seconds)));
    return;
  }
  response.json({ ...invoiceSummary(invoice), lines });
}
