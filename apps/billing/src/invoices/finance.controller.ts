import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdSchema, money } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG, validated } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { csvRows } from '../domain/invoice-format';
import { InvoiceRow } from './invoice.service';
import { cursorOf, invoiceSummary, keyOf, sendInvoice } from './invoices.controller';

const InvoicesQuerySchema = z.strictObject({
  tenantId: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
const LedgerQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Recorded at or after (inclusive)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Recorded before (exclusive)'),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

interface PostingRow {
  transaction_id: string;
  kind: string;
  reference: string;
  currency: string;
  occurred_at: Date;
  recorded_at: Date;
  account: string;
  amount_micros: string;
}

/**
 * What internal finance reads across tenants, for the gateway's finance role: every tenant's invoices, the
 * ledger's transactions with their postings (JSON or CSV, in recording order, cursor-paginated) and the trial
 * balance, whose total is zero when the books balance. The ledger is append-only, so an export of a window
 * that closed more than a transaction's length ago never changes.
 */
@Controller('v1/finance')
export class FinanceController {
  private readonly invoices: string;
  private readonly lines: string;
  private readonly transactions: string;
  private readonly postings: string;
  private readonly balances: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.invoices = table('invoices');
    this.lines = table('invoice_lines');
    this.transactions = table('ledger_transactions');
    this.postings = table('ledger_postings');
    this.balances = table('ledger_balances');
  }

  /** Every tenant's invoices (or one tenant's), newest period first. */
  @Get('invoices')
  async listInvoices(@Query() query: unknown) {
    const page = validated(InvoicesQuerySchema, query, 'BILLING.INVALID_QUERY', 'the query is invalid');
    const after = keyOf(page.cursor)?.split('|');
    const rows: InvoiceRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.invoices}
       WHERE ($1::text IS NULL OR tenant_id = $1)
         AND ($2::timestamptz IS NULL OR (period_start, invoice_id) < ($2::timestamptz, $3::uuid))
       ORDER BY period_start DESC, invoice_id DESC LIMIT $4`,
      [page.tenantId ?? null, after?.[0] ?? null, after?.[1] ?? null, page.limit],
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map(invoiceSummary),
      nextCursor:
        rows.length === page.limit && last
          ? cursorOf(`${new Date(last.period_start).toISOString()}|${last.invoice_id}`)
          : null,
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
    const [invoice]: InvoiceRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.invoices} WHERE invoice_id = $1`,
      [id],
    );
    await sendInvoice(this.dataSource, this.lines, invoice, format, accept, response);
  }

  /** Ledger transactions with their postings, oldest first; CSV has one row per posting. */
  @Get('ledger')
  async ledger(
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const request = validated(LedgerQuerySchema, query, 'BILLING.INVALID_QUERY', 'the query is invalid');
    const after = keyOf(request.cursor)?.split('|');
    const transactions: Array<Omit<PostingRow, 'account' | 'amount_micros'>> = await this.dataSource.query(
      `SELECT * FROM ${this.transactions}
       WHERE ($1::timestamptz IS NULL OR recorded_at >= $1) AND ($2::timestamptz IS NULL OR recorded_at < $2)
         AND ($3::timestamptz IS NULL OR (recorded_at, transaction_id) > ($3::timestamptz, $4::uuid))
       ORDER BY recorded_at, transaction_id LIMIT $5`,
      [request.from ?? null, request.to ?? null, after?.[0] ?? null, after?.[1] ?? null, request.limit],
    );
    const postings: Array<Pick<PostingRow, 'transaction_id' | 'account' | 'amount_micros'>> =
      transactions.length === 0
        ? []
        : await this.dataSource.query(
            `SELECT transaction_id, account, amount_micros::text FROM ${this.postings}
             WHERE transaction_id = ANY($1::uuid[]) ORDER BY transaction_id, account`,
            [transactions.map((t) => t.transaction_id)],
          );
    const byTransaction = new Map<string, Array<{ account: string; amountMicros: string }>>();
    for (const posting of postings) {
      const list = byTransaction.get(posting.transaction_id) ?? [];
      list.push({ account: posting.account, amountMicros: posting.amount_micros });
      byTransaction.set(posting.transaction_id, list);
    }
    const last = transactions[transactions.length - 1];
    const nextCursor =
      transactions.length === request.limit && last
        ? cursorOf(`${new Date(last.recorded_at).toISOString()}|${last.transaction_id}`)
        : null;
    const items = transactions.map((t) => ({
      transactionId: t.transaction_id,
      kind: t.kind,
      reference: t.reference,
      currency: t.currency,
      occurredAt: new Date(t.occurred_at).toISOString(),
      recordedAt: new Date(t.recorded_at).toISOString(),
      postings: byTransaction.get(t.transaction_id) ?? [],
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
      if (nextCursor) response.setHeader('x-next-cursor', nextCursor);
      response
        .type('text/csv')
        .send(
          csvRows(
            [
              'transaction_id',
              'kind',
              'reference',
              'currency',
              'occurred_at',
              'recorded_at',
              'account',
              'amount_micros',
            ],
            rows,
          ),
        );
      return;
    }
    response.json({ items, nextCursor });
  }

  /** Every account's balance; `total` is zero when the books balance (double entry). */
  @Get('trial-balance')
  async trialBalance() {
    const rows: Array<{ account: string; balance_micros: string }> = await this.dataSource.query(
      `SELECT account, balance_micros::text FROM ${this.balances} ORDER BY account`,
    );
    const currency = this.config.BILLING_CURRENCY;
    const total = rows.reduce((sum, row) => sum + BigInt(row.balance_micros), 0n);
    return {
      accounts: rows.map((row) => ({
        account: row.account,
        balance: money(currency, BigInt(row.balance_micros)),
      })),
      total: money(currency, total),
      balanced: total === 0n,
    };
  }
}
