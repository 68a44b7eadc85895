import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { money, PayoutRequestedPayload, PayoutSettled } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { Accounts, payoutInFlight, payoutReversed, payoutSettled } from '../domain/ledger';
import { LedgerStore } from '../ledger/ledger.store';
import { PAYOUT_PROVIDER, PayoutProvider, PayoutRefused } from './payout-provider';

interface PayoutRow {
  payout_id: string;
  supplier_id: string;
  amount_micros: string;
  correlation_id: string;
}

/**
 * Supplier money payouts, in two steps so that the ledger always says where the money is:
 * 1. `payout-requested` (within its inbox transaction): the claimed amount moves from the supplier's `payable`
 *    to `payouts-in-flight` and the payout is recorded `in-flight`. A claim the payable cannot cover (it never
 *    should: rewards' earnings mirror billing's settlements) fails at once.
 * 2. The sender, every BILLING_PAYOUT_CHECK_SECONDS: hands each in-flight payout to the payout provider (keyed
 *    by the payout id, so a resend after a crash pays once), then settles it (`in flight → payouts clearing`)
 *    or, when the provider refuses, reverses it (`in flight → payable`), and announces `payout-settled`.
 * A supplier's payout requests arrive in order on one partition (keyed by supplier), so the payable check in
 * step 1 never races another payout of the same supplier.
 */
@Injectable()
export class PayoutsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly payouts: string;
  private readonly task: PeriodicTask;
  private readonly settled;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(PAYOUT_PROVIDER) private readonly provider: PayoutProvider,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.payouts = qualified(config.DATABASE_SCHEMA, 'supplier_payouts');
    this.settled = metrics.counter('payouts_settled_total', 'Supplier payouts settled, by outcome', [
      'outcome',
    ]);
    this.task = new PeriodicTask(
      new Logger(PayoutsService.name),
      'payout sending',
      config.BILLING_PAYOUT_CHECK_SECONDS * 1000,
      () => this.sendInFlight().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Step 1, in the event's transaction. A redelivered request finds its row and does nothing. */
  async requested(tx: EntityManager, request: PayoutRequestedPayload, correlationId: string): Promise<void> {
    const amount = BigInt(request.earnings.micros);
    if (amount === 0n) return;
    const inserted: unknown[] = await tx.query(
      `INSERT INTO ${this.payouts} (payout_id, supplier_id, amount_micros, state, correlation_id, requested_at)
       VALUES ($1, $2, $3, 'in-flight', $4, $5) ON CONFLICT DO NOTHING RETURNING payout_id`,
      [request.payoutId, request.supplierId, amount.toString(), correlationId, request.requestedAt],
    );
    if (inserted.length === 0) return;
    const payable = Accounts.supplierPayable(request.supplierId);
    const covered = (await this.ledger.balancesOf(tx, [payable])).get(payable) ?? 0n;
    const refusal =
      request.earnings.currency !== this.config.BILLING_CURRENCY
        ? `payouts are in ${this.config.BILLING_CURRENCY}, not ${request.earnings.currency}`
        : covered < amount
          ? `the supplier's payable is ${covered}, less than the ${amount} claimed`
          : undefined;
    if (refusal) {
      await tx.query(
        `UPDATE ${this.payouts} SET state = 'failed', failure_reason = $2, settled_at = $3 WHERE payout_id = $1`,
        [request.payoutId, refusal, new Date()],
      );
      await this.announce(tx, { ...this.rowOf(request, correlationId) }, 'failed', null, refusal, undefined);
      return;
    }
    await this.ledger.post(
      tx,
      'payout',
      request.payoutId,
      new Date(request.requestedAt),
      payoutInFlight(request.supplierId, amount),
    );
  }

  /** Step 2: every in-flight payout, oldest first; returns how many settled (paid or reversed) in this pass. */
  async sendInFlight(limit = 200): Promise<number> {
    const rows: PayoutRow[] = await this.dataSource.query(
      `SELECT payout_id, supplier_id, amount_micros, correlation_id FROM ${this.payouts}
       WHERE state = 'in-flight' ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    let done = 0;
    for (const row of rows) {
      let outcome: { reference: string } | { refused: string };
      try {
        outcome = await this.provider.send({
          idempotencyKey: row.payout_id,
          supplierId: row.supplier_id,
          currency: this.config.BILLING_CURRENCY,
          amountMicros: BigInt(row.amount_micros),
        });
      } catch (error) {
        if (!(error instanceof PayoutRefused)) throw error; // the provider is unreachable: the next pass retries
        outcome = { refused: error.reason };
      }
      if (await this.dataSource.transaction((tx) => this.settle(tx, row, outcome))) done += 1;
    }
    return done;
  }

  private async settle(
    tx: EntityManager,
    row: PayoutRow,
    outcome: { reference: string } | { refused: string },
  ): Promise<boolean> {
    const [current]: Array<{ state: string }> = await tx.query(
      `SELECT state FROM ${this.payouts} WHERE payout_id = $1 FOR UPDATE`,
      [row.payout_id],
    );
    if (current?.state !== 'in-flight') return false; // another replica settled it
    const now = new Date();
    const amount = BigInt(row.amount_micros);
    const paid = 'reference' in outcome;
    const kind = paid ? 'payout-settlement' : 'payout-reversal';
    const postings = paid ? payoutSettled(row.supplier_id, amount) : payoutReversed(row.supplier_id, amount);
    const transactionId =
      (await this.ledger.post(tx, kind, row.payout_id, now, postings)) ??
      this.ledger.transactionId(kind, row.payout_id);
    await tx.query(
      `UPDATE ${this.payouts} SET state = $2, provider_reference = $3, failure_reason = $4, settled_at = $5
       WHERE payout_id = $1`,
      [
        row.payout_id,
        paid ? 'paid' : 'failed',
        paid ? outcome.reference : null,
        paid ? null : outcome.refused,
        now,
      ],
    );
    await this.announce(
      tx,
      row,
      paid ? 'paid' : 'failed',
      paid ? outcome.reference : null,
      paid ? null : outcome.refused,
      transactionId,
    );
    return true;
  }

  private rowOf(request: PayoutRequestedPayload, correlationId: string): PayoutRow {
    return {
      payout_id: request.payoutId,
      supplier_id: request.supplierId,
      amount_micros: request.earnings.micros,
      correlation_id: correlationId,
    };
  }

  private async announce(
    tx: EntityManager,
    row: PayoutRow,
    outcome: 'paid' | 'failed',
    providerReference: string | null,
    reason: string | null,
    transactionId: string | undefined,
  ): Promise<void> {
    const now = new Date();
    this.settled.inc({ outcome });
    await this.outbox.emit(
      tx,
      PayoutSettled,
      {
        payoutId: row.payout_id,
        supplierId: row.supplier_id,
        earnings: money(this.config.BILLING_CURRENCY, BigInt(row.amount_micros)),
        outcome,
        providerReference,
        reason,
        ledgerTransactionId: transactionId ?? null,
        settledAt: now.toISOString(),
      },
      { correlationId: row.correlation_id, causationId: null },
      now,
    );
  }
}
