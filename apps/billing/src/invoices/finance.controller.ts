import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdSchema, money } from '@gridex/contracts';
import { decodeCursor, nextCursor, pageQueryFields, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { csvRows } from '../domain/invoice-format';
import { LedgerStore } from '../ledger/ledger.store';
import { InvoiceStore } from './invoice.store';
import { invoiceSummary, sendInvoice } from './invoices.controller';

const InvoicesQuerySchema = z.strictObject({
  tenantId: IdSchema.optional(),
  ...pageQueryFields({ maxLimit: 500 }),
});
const LedgerQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Recorded at or after (inclusive)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Recorded before (exclusive)'),
  ...pageQueryFields({ maxLimit: 5000, defaultLimit: 500 }),
  format: z.enum(['json', 'csv']).optional(),
});

const LEDGER_CSV_COLUMNS = [
  'transaction_id',
  'kind',
  'reference',
  'currency',
  'occurred_at',
  'recorded_at',
  'account',
  'amount_micros',
];

/**
 * What internal finance reads across tenants, for the gateway's finance role: every tenant's invoices, the
 * ledger's transactions with their postings (JSON or CSV, in recording order, cursor-paginated) and the trial
 * balance, whose total is zero when the books balance. The ledger is append-only, so an export of a window
 * that closed more than a transaction's length ago never changes.
 */
@Controller('v1/finance')
export class FinanceController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(InvoiceStore) private readonly invoices: InvoiceStore,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {}

  /** Every tenant's invoices (or one tenant's), newest period first. */
  @Get('invoices')
  async listInvoices(@Query() query: unknown) {
    const page = validated(InvoicesQuerySchema, query, 'BILLING.INVALID_QUERY', 'the query is invalid');
    const after = decodeCursor(page.cursor, 2) as [string, string] | undefined;
    const rows = await this.invoices.page(page.tenantId, after, page.limit);
    return {
      items: rows.map(invoiceSummary),
      nextCursor: nextCursor(rows, page.limit, (row) => [
        new Date(row.period_start).toISOString(),
        row.invoice_id,
      ]),
    };
  }

  /** Any tenant's invoice by id, JSON or CSV like the tenant's own route. */
  @Get('invoices/:invoiceId')
  async oneInvoice(
    @Param('invoiceId') invoiceId: string,
    @Query('format') format: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const id = validated(z.uuid(), invoiceId, 'BILLING.INVALID_INVOICE_ID', 'the invoice id is not a UUID');
    await sendInvoice(this.invoices, await this.invoices.find(id), format, accept, response);
  }

  /** Ledger transactions with their postings, oldest first; CSV has one row per posting. */
  @Get('ledger')
  async ledgerExport(
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const request = validated(LedgerQuerySchema, query, 'BILLING.INVALID_QUERY', 'the query is invalid');
    const after = decodeCursor(request.cursor, 2) as [string, string] | undefined;
    const transactions = await this.ledger.exportPage(this.dataSource, request, after, request.limit);
    const cursor = nextCursor(transactions, request.limit, (t) => [
      new Date(t.recorded_at).toISOString(),
      t.transaction_id,
    ]);
    const items = transactions.map((t) => ({
      transactionId: t.transaction_id,
      kind: t.kind,
      reference: t.reference,
      currency: t.currency,
      occurredAt: new Date(t.occurred_at).toISOString(),
      recordedAt: new Date(t.recorded_at).toISOString(),
      postings: t.postings,
    }));
    if (request.format === 'csv' || (request.format === undefined && accept?.includes('text/csv'))) {
      const rows = items.flatMap((t) =>
        t.postings.map((p) => [
          t.transactionId,
          t.kind,
          t.reference,
          t.currency,
          t.occurredAt,
          t.recordedAt,
          p.account,
          p.amountMicros,
        ]),
      );
      if (cursor) response.setHeader('x-next-cursor', cursor);
      response.type('text/csv').send(csvRows(LEDGER_CSV_COLUMNS, rows));
      return;
    }
    response.json({ items, nextCursor: cursor });
  }

  /** Every account's balance; `total` is zero when the books balance (double entry). */
  @Get('trial-balance')
  async trialBalance() {
    const rows = await this.ledger.allBalances(this.dataSource);
    const currency = this.config.BILLING_CURRENCY;
    const total = rows.reduce((sum, row) => sum + row.balanceMicros, 0n);
    return {
      accounts: rows.map((row) => ({ account: row.account, balance: money(currency, row.balanceMicros) })),
      total: money(currency, total),
      balanced: total === 0n,
    };
  }
}
