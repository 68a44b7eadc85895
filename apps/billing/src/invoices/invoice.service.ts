import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { deterministicUuid, IdNamespaces, InvoiceIssued } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { periodOf } from '../domain/invoice-format';

export interface InvoiceRow {
  invoice_id: string;
  tenant_id: string;
  period_start: Date;
  period_end: Date;
  currency: string;
  line_count: number;
  gpu_seconds: string;
  total_micros: string;
  credits_applied_micros: string;
  issued_at: Date;
}

/**
 * Issues invoices for closed periods. Usage belongs to the period (UTC, BILLING_INVOICE_PERIOD) in which it was
 * settled, so an invoice never changes after it is issued: anything settled later belongs to a later period.
 * Each invoice is built in one transaction from its tenant's settled meters — one line per reservation and unit
 * price, amounts exactly those the ledger charged — and announced with `invoice-issued`. A line a compute credit
 * paid names the credit; its amount (at the credit's locked price) counts in `credits_applied_micros`, not in
 * the total due, which the tenant paid when it bought the credit.
 */
@Injectable()
export class InvoiceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly meters: string;
  private readonly invoices: string;
  private readonly lines: string;
  private readonly issued;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.meters = table('meters');
    this.invoices = table('invoices');
    this.lines = table('invoice_lines');
    this.issued = metrics.counter('invoices_issued_total', 'Invoices issued');
    this.task = new PeriodicTask(
      new Logger(InvoiceService.name),
      'invoice pass',
      config.BILLING_INVOICE_CHECK_SECONDS * 1000,
      () => this.issueDue().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Issues every invoice whose period has closed by `now`; returns them. */
  async issueDue(now = new Date()): Promise<InvoiceRow[]> {
    const period = this.config.BILLING_INVOICE_PERIOD;
    const due: Array<{ tenant_id: string; period_start: Date }> = await this.dataSource.query(
      `SELECT tenant_id, period_start FROM (
         SELECT DISTINCT tenant_id, date_trunc($1, settled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start
         FROM ${this.meters} WHERE settled_at IS NOT NULL AND invoice_id IS NULL) AS open
       WHERE period_start + ('1 ' || $1)::interval <= $2
       ORDER BY period_start, tenant_id`,
      [period, now],
    );
    const issued: InvoiceRow[] = [];
    for (const { tenant_id, period_start } of due) {
      const invoice = await this.dataSource.transaction((tx) =>
        this.issue(tx, tenant_id, periodOf(new Date(period_start), period), now),
      );
      if (invoice) issued.push(invoice);
    }
    return issued;
  }

  private async issue(
    tx: EntityManager,
    tenantId: string,
    period: { start: Date; end: Date },
    now: Date,
  ): Promise<InvoiceRow | undefined> {
    const invoiceId = deterministicUuid(IdNamespaces.invoice, tenantId, period.start.toISOString());
    const created: unknown[] = await tx.query(
      `INSERT INTO ${this.invoices} (invoice_id, tenant_id, period_start, period_end, currency, line_count,
         gpu_seconds, total_micros, issued_at)
       VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6) ON CONFLICT DO NOTHING RETURNING invoice_id`,
      [invoiceId, tenantId, period.start, period.end, this.config.BILLING_CURRENCY, now],
    );
    if (created.length === 0) return undefined; // another replica issued it
    await tx.query(
      `WITH picked AS (
         UPDATE ${this.meters} SET invoice_id = $1
         WHERE tenant_id = $2 AND settled_at >= $3 AND settled_at < $4 AND invoice_id IS NULL
         RETURNING reservation_id, job_id, lines, started_at, finished_at, settled_at)
       INSERT INTO ${this.lines} (invoice_id, line_no, job_id, reservation_id, gpu_product, gpu_seconds,
         unit_price_micros, amount_micros, started_at, finished_at, compute_credit_id)
       SELECT $1, row_number() OVER (ORDER BY p.settled_at, p.reservation_id, l.ord), p.job_id, p.reservation_id,
         l.line->>'gpuProduct', (l.line->>'gpuSeconds')::bigint, (l.line->>'unitPricePerGpuHourMicros')::bigint,
         (l.line->>'amountMicros')::bigint, p.started_at, p.finished_at, (l.line->>'computeCreditId')::uuid
       FROM picked p, jsonb_array_elements(p.lines) WITH ORDINALITY AS l(line, ord)
       WHERE (l.line->>'gpuSeconds')::bigint > 0`,
      [invoiceId, tenantId, period.start, period.end],
    );
    const [invoice]: InvoiceRow[] = await tx.query(
      `WITH totals AS (
         SELECT count(*) AS line_count, coalesce(sum(gpu_seconds), 0) AS gpu_seconds,
           coalesce(sum(amount_micros) FILTER (WHERE compute_credit_id IS NULL), 0) AS total_micros,
           coalesce(sum(amount_micros) FILTER (WHERE compute_credit_id IS NOT NULL), 0) AS credits_applied_micros
         FROM ${this.lines} WHERE invoice_id = $1),
       updated AS (
         UPDATE ${this.invoices} i SET line_count = t.line_count, gpu_seconds = t.gpu_seconds,
           total_micros = t.total_micros, credits_applied_micros = t.credits_applied_micros
         FROM totals t WHERE i.invoice_id = $1 RETURNING i.*)
       SELECT * FROM updated`,
      [invoiceId],
    );
    await this.outbox.emit(
      tx,
      InvoiceIssued,
      {
        invoiceId,
        tenantId,
        periodStart: period.start.toISOString(),
        periodEnd: period.end.toISOString(),
        currency: invoice.currency,
        lineCount: Number(invoice.line_count),
        gpuSeconds: Number(invoice.gpu_seconds),
        totalMicros: String(invoice.total_micros),
        ...(BigInt(invoice.credits_applied_micros) > 0n
          ? { creditsAppliedMicros: String(invoice.credits_applied_micros) }
          : {}),
        issuedAt: now.toISOString(),
      },
      { correlationId: `invoice-${invoiceId}`, causationId: null, tenantId },
      now,
    );
    this.issued.inc();
    return invoice;
  }
}
