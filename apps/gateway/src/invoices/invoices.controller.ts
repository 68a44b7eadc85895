import { Controller, Get, Headers, HttpStatus, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { IdSchema } from '@gridex/contracts';
import { ProblemException, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, PLATFORM_TENANT, Principal, Roles } from '../auth/principal';
import { toApiUnits } from '../domain/api-money';
import { ServiceAnswer, ServiceClient } from '../internal/service-client';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const InvoiceQuerySchema = z.strictObject({
  tenantId: IdSchema.optional().describe("Platform finance only: one tenant's invoices"),
  limit: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional(),
  cursor: z.string().max(200).optional(),
});
export const LedgerQuerySchema = z.strictObject({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/)
    .optional(),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).optional(),
});
const FormatSchema = z
  .enum(['json', 'csv'])
  .optional()
  .describe("csv for billing's CSV (amounts in micro-units); the same as Accept: text/csv");
export const InvoiceFormatQuerySchema = z.strictObject({ format: FormatSchema });

const InvoiceSummarySchema = z.object({
  invoiceId: z.string(),
  tenantId: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  lineCount: z.number().int(),
  gpuSeconds: z.number().int(),
  total: z.string().describe('USD due: the lines paid with money'),
  creditsApplied: z.string().describe('USD value of the lines compute credits paid (prepaid, not due)'),
  issuedAt: z.string(),
});
export const InvoicePageSchema = z.object({
  items: z.array(InvoiceSummarySchema),
  nextCursor: z.string().nullable(),
});
export const InvoiceSchema = InvoiceSummarySchema.extend({
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      jobId: z.string(),
      reservationId: z.string(),
      gpuProduct: z.string(),
      gpuSeconds: z.number().int(),
      unitPricePerGpuHour: z.string().describe('USD'),
      amount: z.string().describe('USD'),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      computeCreditId: z.string().optional().describe('The compute credit that paid the line'),
    }),
  ),
});
export const LedgerPageSchema = z.object({
  items: z.array(
    z.object({
      transactionId: z.string(),
      kind: z.string(),
      reference: z.string(),
      currency: z.string(),
      occurredAt: z.string(),
      recordedAt: z.string(),
      postings: z.array(
        z.object({ account: z.string(), amount: z.string().describe('USD; + credit, − debit') }),
      ),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export const TrialBalanceSchema = z.object({
  accounts: z.array(z.object({ account: z.string(), balance: z.string() })),
  total: z.string().describe('Zero when the books balance'),
  balanced: z.boolean(),
});

export const NetworkReconciliationSchema = z.object({
  items: z.array(
    z.object({
      networkId: z.string(),
      jobId: z.string(),
      reservationId: z.string(),
      externalJobId: z.string().describe("The job's id on the network"),
      currency: z.string(),
      gpuSeconds: z.object({ metered: z.number().int(), charged: z.number().int() }),
      owed: z.string().describe('What Gridex owes the network for the job by its own metering'),
      charged: z.string().describe('What the network charged'),
      difference: z.string().describe('charged − owed'),
      status: z.enum(['matches', 'rounding', 'mismatch', 'not-settled']),
      reason: z.string(),
      reportedAt: z.string(),
    }),
  ),
  mismatches: z.number().int().describe('Lines on this page flagged mismatch'),
  nextCursor: z.string().nullable(),
});

export const ReconciliationQuerySchema = z.strictObject({
  networkId: z.string().max(32).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional(),
  cursor: z.string().max(300).optional(),
});

const isPlatformFinance = (caller: Principal) =>
  caller.role === 'finance' && caller.tenantId === PLATFORM_TENANT;

/**
 * Invoices and the ledger, from billing. A client (or its finance key) sees its own tenant's invoices; the
 * platform's finance keys see every tenant's and export the ledger. Invoices are JSON in USD decimal strings,
 * or billing's CSV (amounts in integer micro-units, for spreadsheets) with `Accept: text/csv` or `?format=csv`.
 */
@ApiTag('Invoices and finance')
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class InvoicesController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  @ApiOperation({
    operationId: 'listInvoices',
    summary:
      "Invoices, newest first (the caller's tenant; platform finance: every tenant, `tenantId` to narrow)",
    query: InvoiceQuerySchema,
    response: InvoicePageSchema,
    errors: [400, 503],
  })
  @Get('invoices')
  @Roles('client', 'finance')
  async list(@Caller() caller: Principal, @Query() query: unknown) {
    const q = validated(InvoiceQuerySchema, query, 'REQUEST.INVALID', 'the invoice query is invalid');
    const page = { limit: q.limit, cursor: q.cursor };
    if (isPlatformFinance(caller)) {
      return toApiUnits(
        await this.services.json('billing', '/v1/finance/invoices', {
          query: { ...page, tenantId: q.tenantId },
        }),
      );
    }
    if (q.tenantId !== undefined && q.tenantId !== caller.tenantId) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'AUTH.FORBIDDEN',
        "only platform finance reads other tenants' invoices",
      );
    }
    return toApiUnits(
      await this.services.json('billing', this.tenantPath(caller, 'invoices'), { query: page }),
    );
  }

  @ApiOperation({
    operationId: 'getInvoice',
    summary: 'One invoice with its lines: JSON, or CSV with `Accept: text/csv` or `?format=csv`',
    query: InvoiceFormatQuerySchema,
    response: InvoiceSchema,
    csv: true,
    errors: [400, 404, 503],
  })
  @Get('invoices/:invoiceId')
  @Roles('client', 'finance')
  async one(
    @Caller() caller: Principal,
    @Param('invoiceId') invoiceId: string,
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const id = validated(z.uuid(), invoiceId, 'REQUEST.INVALID', 'the invoice id is not a UUID');
    const { format } = validated(InvoiceFormatQuerySchema, query, 'REQUEST.INVALID', 'format is json or csv');
    const csv = wantsCsv(format, accept);
    const path = isPlatformFinance(caller)
      ? `/v1/finance/invoices/${id}`
      : this.tenantPath(caller, `invoices/${id}`);
    const answer = await this.services.raw('billing', path, { query: { format: csv ? 'csv' : 'json' } });
    send(response, answer, csv);
  }

  /** The ledger's transactions and postings in recording order (platform finance). */
  @ApiOperation({
    operationId: 'getLedger',
    summary: 'Ledger transactions and postings in recording order (`from`, `to`, `limit`, `cursor`; CSV too)',
    query: LedgerQuerySchema,
    response: LedgerPageSchema,
    csv: true,
    errors: [400, 503],
  })
  @Get('finance/ledger')
  @Roles('finance')
  async ledger(
    @Caller() caller: Principal,
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    platformFinanceOnly(caller);
    const q = validated(LedgerQuerySchema, query, 'REQUEST.INVALID', 'the ledger query is invalid');
    const csv = wantsCsv(q.format, accept);
    const answer = await this.services.raw('billing', '/v1/finance/ledger', {
      query: { ...q, format: csv ? 'csv' : 'json' },
    });
    send(response, answer, csv);
  }

  /** Every ledger account's balance and their total, zero when the books balance (platform finance). */
  @ApiOperation({
    operationId: 'getTrialBalance',
    summary: "Every ledger account's balance; the total is zero when the books balance",
    response: TrialBalanceSchema,
    errors: [503],
  })
  @Get('finance/trial-balance')
  @Roles('finance')
  async trialBalance(@Caller() caller: Principal) {
    platformFinanceOnly(caller);
    return toApiUnits(await this.services.json('billing', '/v1/finance/trial-balance'));
  }

  /**
   * Per job another network ran: what it charged against what Gridex metered and owes it, each flagged
   * (platform finance).
   */
  @ApiOperation({
    operationId: 'getNetworkReconciliation',
    summary:
      'Per job another network ran: its charge against what Gridex metered and owes it, flagged (`networkId`, paging)',
    query: ReconciliationQuerySchema,
    response: NetworkReconciliationSchema,
    errors: [400, 503],
  })
  @Get('finance/networks/reconciliation')
  @Roles('finance')
  async networkReconciliation(@Caller() caller: Principal, @Query() query: unknown) {
    platformFinanceOnly(caller);
    const q = validated(ReconciliationQuerySchema, query, 'REQUEST.INVALID', 'the query is invalid');
    return toApiUnits(
      await this.services.json('billing', '/v1/finance/networks/reconciliation', { query: q }),
    );
  }

  private tenantPath(caller: Principal, rest: string): string {
    return `/v1/tenants/${encodeURIComponent(caller.tenantId)}/${rest}`;
  }
}

function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  const asked = validated(FormatSchema, format, 'REQUEST.INVALID', 'format is json or csv');
  return asked === 'csv' || (asked === undefined && (accept ?? '').includes('text/csv'));
}

function platformFinanceOnly(caller: Principal): void {
  if (!isPlatformFinance(caller)) {
    throw new ProblemException(
      HttpStatus.FORBIDDEN,
      'AUTH.FORBIDDEN',
      'this needs a finance key of the platform tenant (the ledger spans every tenant)',
    );
  }
}

/** Billing's CSV as it came (with its file name and next-page cursor), or its JSON in API units. */
function send(response: Response, answer: ServiceAnswer, csv: boolean): void {
  if (!csv) {
    response.json(toApiUnits(JSON.parse(answer.text)));
    return;
  }
  for (const header of ['content-disposition', 'x-next-cursor']) {
    const value = answer.headers.get(header);
    if (value) response.setHeader(header, value);
  }
  response.type('text/csv').send(answer.text);
}
