import { Controller, Get, Headers, HttpStatus, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { money } from '@gridex/contracts';
import {
  decodeCursor,
  nextCursor,
  pageQueryFields,
  ProblemException,
  SERVICE_CONFIG,
  validated,
} from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { tenantIdFrom } from '../credits/accounts.controller';
import { invoiceCsv, InvoiceLineView } from '../domain/invoice-format';
import { MeterStore } from '../metering/meter.store';
import { InvoiceRow } from './invoice.service';
import { InvoiceStore } from './invoice.store';

const PageSchema = z.strictObject(pageQueryFields({ maxLimit: 500 }));

/** A tenant's invoices and usage, for the gateway (which scopes requests to the caller's tenant). */
@Controller('v1/tenants/:tenantId')
export class InvoicesController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(InvoiceStore) private readonly invoices: InvoiceStore,
    @Inject(MeterStore) private readonly meters: MeterStore,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {}

  /** Invoices, newest period first; `cursor` from the previous page's `nextCursor`. */
  @Get('invoices')
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = parsePage(query);
    const [before] = decodeCursor(page.cursor) ?? [];
    const rows = await this.invoices.pageOfTenant(tenantIdFrom(tenantId), before, page.limit);
    return {
      items: rows.map((row) => invoiceSummary(row)),
      nextCursor: nextCursor(rows, page.limit, (row) => [new Date(row.period_start).toISOString()]),
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
    const invoice = await this.invoices.find(id, tenantIdFrom(tenantId));
    await sendInvoice(this.invoices, invoice, format, accept, response);
  }

  /** Usage per reservation (running and settled), newest first. */
  @Get('usage')
  async usage(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = parsePage(query);
    const [before] = decodeCursor(page.cursor) ?? [];
    const rows = await this.meters.usagePage(this.dataSource, tenantIdFrom(tenantId), before, page.limit);
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
      nextCursor: nextCursor(rows, page.limit, (row) => [row.reservation_id]),
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
    creditsApplied: money(row.currency, BigInt(row.credits_applied_micros ?? 0)),
    issuedAt: new Date(row.issued_at).toISOString(),
  };
}

function parsePage(query: unknown): z.infer<typeof PageSchema> {
  return validated(PageSchema, query, 'BILLING.INVALID_PAGE', 'the paging parameters are invalid');
}

/** One invoice with its lines, answered as JSON or (asked for by `?format=csv` or `Accept: text/csv`) CSV. */
export async function sendInvoice(
  invoices: InvoiceStore,
  invoice: InvoiceRow | undefined,
  format: string | undefined,
  accept: string | undefined,
  response: Response,
): Promise<void> {
  if (!invoice) {
    throw new ProblemException(HttpStatus.NOT_FOUND, 'BILLING.INVOICE_NOT_FOUND', 'no such invoice');
  }
  const lines: InvoiceLineView[] = (await invoices.lines(invoice.invoice_id)).map((row) => ({
    lineNo: Number(row.line_no),
    jobId: row.job_id,
    reservationId: row.reservation_id,
    gpuProduct: row.gpu_product,
    gpuSeconds: Number(row.gpu_seconds),
    unitPricePerGpuHourMicros: String(row.unit_price_micros),
    amountMicros: String(row.amount_micros),
    startedAt: row.started_at ? new Date(row.started_at).toISOString() : undefined,
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : undefined,
    ...(row.compute_credit_id ? { computeCreditId: row.compute_credit_id } : {}),
  }));
  if (format === 'csv' || (format === undefined && accept?.includes('text/csv'))) {
    response
      .type('text/csv')
      .attachment(
        `invoice-${invoice.tenant_id}-${new Date(invoice.period_start).toISOString().slice(0, 10)}.csv`,
      )
      .send(
        invoiceCsv(
          lines,
          String(invoice.total_micros),
          Number(invoice.gpu_seconds),
          String(invoice.credits_applied_micros ?? 0),
        ),
      );
    return;
  }
  response.json({ ...invoiceSummary(invoice), lines });
}
