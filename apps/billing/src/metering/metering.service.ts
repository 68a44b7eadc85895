import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  createEvent,
  CreditExhausted,
  deterministicUuid,
  EventContract,
  HoldPlaced,
  HoldRejected,
  HoldReleased,
  IdNamespaces,
  money,
  UsageRecorded,
  UsageSettled,
} from '@gridex/contracts';
import { OutboxWriter, OutgoingEvent } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { CreditHolding } from '../domain/compute-credits';
import { payerOf } from '../domain/ledger';
import { advanceMeter, fundsRunOut, MeterEffect, MeterInput } from '../domain/meter';
import { costPerSecondMicros, invoiceLines, UsageChange } from '../domain/metering';
import { supplierShareMicros } from '../domain/money-rules';
import { LedgerEntry, LedgerKind, LedgerStore } from '../ledger/ledger.store';
import { TenantAccounts, TenantFunds } from '../ledger/tenant-accounts';
import { ComputeCreditStore } from '../compute-credits/compute-credit.store';
import { MeterKey, MeterStore, Settlement, StoredMeter } from './meter.store';

/** One lifecycle input for one reservation, and the event that brought it (null for the accrual timer). */
export interface MeterItem {
  key: MeterKey;
  input: MeterInput;
  causationId: string | null;
}

/** What a batch of inputs writes, collected in memory and written set-wise at the end. */
class Writes {
  readonly entries: LedgerEntry[] = [];
  readonly events: OutgoingEvent[] = [];
  readonly settlements = new Map<string, Settlement>();
  readonly touched = new Map<string, StoredMeter>();
}

/**
 * Applies lifecycle inputs to meters and records their effects: ledger transactions and, in the same database
 * transaction, the finance events (outbox). A batch of inputs costs a handful of statements whatever its size:
 * its tenants are locked (in id order) and their meters read, the meters advance in memory in input order — each
 * tenant's funds carried from one decision to the next — and the ledger, the meters and the outbox are written
 * once each.
 */
@Injectable()
export class MeteringService {
  private readonly posted;
  private readonly holdsRejected;
  private readonly exhausted;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(TenantAccounts) private readonly tenants: TenantAccounts,
    @Inject(MeterStore) private readonly meters: MeterStore,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(ComputeCreditStore) private readonly credits: ComputeCreditStore,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.posted = metrics.counter('ledger_transactions_total', 'Ledger transactions posted, by kind', [
      'kind',
    ]);
    this.holdsRejected = metrics.counter(
      'holds_rejected_total',
      'Matched jobs whose tenant could not cover the hold',
    );
    this.exhausted = metrics.counter(
      'credit_exhausted_total',
      'Running workloads stopped for lack of credit',
    );
  }

  /** Lifecycle inputs, in order, within the caller's transaction. */
  async applyBatch(tx: EntityManager, items: readonly MeterItem[], now: Date): Promise<void> {
    const funds = await this.tenants.lockMany(
      tx,
      items.map((item) => item.key.tenantId),
    );
    const meters = await this.meters.loadMany(
      tx,
      items.map((item) => item.key),
    );
    // Who pays is decided when prices arrive, so only a batch with matched reservations reads credit holdings
    // (under the tenants' locks just taken: every change of a holding is made under its holder's lock).
    const matchedTenants = items.filter((item) => item.input.kind === 'matched').map((i) => i.key.tenantId);
    const holdings =
      matchedTenants.length > 0 ? await this.credits.holdingsOf(tx, matchedTenants, now) : new Map();
    const writes = new Writes();
    for (const item of items) {
      const meter = meters.get(item.key.reservationId) as StoredMeter;
      this.advance(
        writes,
        meter,
        item.input,
        funds.get(meter.state.tenantId) as TenantFunds,
        holdings.get(meter.state.tenantId) ?? [],
        item.causationId,
        now,
      );
    }
    await this.flush(tx, writes);
  }

  /**
   * Charges a tenant's running work for the seconds used so far, then stops the work of each payer (its money,
   * or one of its compute credits) whose funds cannot cover the next `BILLING_EXHAUSTION_HORIZON_SECONDS` (one
   * `credit-exhausted` per workload, once). A credit has no credit limit. Returns the number of running meters.
   */
  async accrueTenant(tx: EntityManager, tenantId: string, now: Date): Promise<number> {
    const funds = await this.tenants.lock(tx, tenantId);
    const running = await this.meters.running(tx, tenantId);
    const writes = new Writes();
    for (const meter of running) this.advance(writes, meter, { kind: 'tick', now }, funds, [], null, now);
    const byPayer = new Map<string | undefined, StoredMeter[]>();
    for (const meter of running) {
      const list = byPayer.get(meter.state.computeCreditId) ?? [];
      list.push(meter);
      byPayer.set(meter.state.computeCreditId, list);
    }
    const creditIds = [...byPayer.keys()].filter((id): id is string => id !== undefined);
    // Most tenants pay with money alone: no read of credit balances for them on every accrual pass.
    const creditFunds =
      creditIds.length === 0
        ? new Map<string, bigint>()
        : await this.ledger.balancesOf(
            tx,
            creditIds.map((id) => payerOf({ tenantId, computeCreditId: id }).available),
          );
    const exhausted: StoredMeter[] = [];
    for (const [creditId, meters] of byPayer) {
      const payerFunds = creditId
        ? (creditFunds.get(payerOf({ tenantId, computeCreditId: creditId }).available) ?? 0n)
        : funds.availableMicros + funds.creditLimitMicros;
      const runsOut = fundsRunOut(
        payerFunds,
        meters.map((m) => ({
          costPerSecondMicros: costPerSecondMicros(m.state.nodes ?? []),
          heldRemainingMicros: m.state.heldRemainingMicros,
        })),
        this.config.BILLING_EXHAUSTION_HORIZON_SECONDS,
      );
      if (runsOut) exhausted.push(...meters);
    }
    for (const meter of exhausted.filter((m) => !m.exhaustedAt)) {
      meter.exhaustedAt = now;
      writes.touched.set(meter.state.reservationId, meter);
      writes.events.push(
        this.event(CreditExhausted, meter, null, now, {
          tenantId,
          jobId: meter.state.jobId,
          reservationId: meter.state.reservationId,
          ...creditOf(meter),
          exhaustedAt: now.toISOString(),
        }),
      );
      this.exhausted.inc();
    }
    await this.flush(tx, writes);
    return running.length;
  }

  /**
   * The ledger last: its postings lock the platform revenue balance (shared by every tenant) until commit, so
   * the less work after them, the less concurrent batches wait for each other.
   */
  private async flush(tx: EntityManager, writes: Writes): Promise<void> {
    await this.meters.saveMany(tx, [...writes.touched.values()], writes.settlements);
    await this.outbox.append(tx, writes.events);
    const ids = await this.ledger.postMany(tx, writes.entries);
    writes.entries.forEach((entry, index) => {
      if (ids[index]) this.posted.inc({ kind: entry.kind });
    });
  }

  private advance(
    writes: Writes,
    meter: StoredMeter,
    input: MeterInput,
    funds: TenantFunds,
    credits: CreditHolding[],
    causationId: string | null,
    now: Date,
  ): void {
    const effects = advanceMeter(meter.state, input, {
      fundsMicros: funds.availableMicros + funds.creditLimitMicros,
      holdMarginBps: this.config.BILLING_HOLD_MARGIN_BPS,
      credits,
      now,
    });
    writes.touched.set(meter.state.reservationId, meter);
    for (const effect of effects) this.record(writes, meter, effect, funds, credits, causationId, now);
  }

  /**
   * Queues one effect's ledger transaction and finance events, and carries its effect on the payer's funds
   * (the tenant's money, or its holding of the credit that pays) to the next decision of the batch.
   */
  private record(
    writes: Writes,
    meter: StoredMeter,
    effect: MeterEffect,
    funds: TenantFunds,
    credits: CreditHolding[],
    causationId: string | null,
    now: Date,
  ): void {
    const { state } = meter;
    const currency = this.config.BILLING_CURRENCY;
    const ids = {
      tenantId: state.tenantId,
      jobId: state.jobId,
      reservationId: state.reservationId,
      ...creditOf(meter),
    };
    const payer = payerOf(state);
    const holding = credits.find((c) => c.creditId === state.computeCreditId);
    const post = (kind: LedgerKind, reference: string, postings: LedgerEntry['postings']): string => {
      writes.entries.push({ kind, reference, occurredAt: now, postings });
      for (const posting of postings) {
        if (posting.account !== payer.available && posting.account !== payer.held) continue;
        const available = posting.account === payer.available;
        if (holding) {
          if (available) holding.availableMicros += posting.amountMicros;
        } else if (available) funds.availableMicros += posting.amountMicros;
        else funds.heldMicros += posting.amountMicros;
      }
      return this.ledger.transactionId(kind, reference);
    };
    switch (effect.kind) {
      case 'hold-placed': {
        const transactionId = post('hold', state.reservationId, effect.postings);
        writes.events.push(
          this.event(HoldPlaced, meter, causationId, now, {
            ...ids,
            amount: money(currency, effect.amountMicros),
            expectedDurationSeconds: state.expectedSeconds ?? 1,
            marginBasisPoints: this.config.BILLING_HOLD_MARGIN_BPS,
            ledgerTransactionId: transactionId,
            placedAt: now.toISOString(),
          }),
        );
        return;
      }
      case 'hold-rejected':
        this.holdsRejected.inc();
        writes.events.push(
          this.event(HoldRejected, meter, causationId, now, {
            tenantId: state.tenantId,
            jobId: state.jobId,
            reservationId: state.reservationId,
            required: money(currency, effect.requiredMicros),
            fundsMicros: effect.fundsMicros.toString(),
            rejectedAt: now.toISOString(),
          }),
        );
        return;
      case 'usage-recorded': {
        if (effect.change.postings.length === 0) return;
        const reference = `${state.reservationId}:${effect.throughSeconds}`;
        const transactionId = post('usage', reference, effect.change.postings);
        writes.events.push(
          this.usageRecorded(
            meter,
            causationId,
            effect.change,
            effect.throughSeconds,
            false,
            transactionId,
            now,
          ),
        );
        return;
      }
      case 'settled': {
        const transactionId =
          effect.postings.length > 0 ? post('settlement', state.reservationId, effect.postings) : undefined;
        if (transactionId && effect.change.postings.length > 0) {
          writes.events.push(
            this.usageRecorded(
              meter,
              causationId,
              effect.change,
              effect.totalSeconds,
              true,
              transactionId,
              now,
            ),
          );
        }
        if (transactionId && effect.releasedMicros > 0n) {
          writes.events.push(
            this.event(HoldReleased, meter, causationId, now, {
              ...ids,
              amount: money(currency, effect.releasedMicros),
              ledgerTransactionId: transactionId,
              releasedAt: now.toISOString(),
            }),
          );
        }
        const nodes = state.nodes ?? [];
        const supplierShares = nodes.map((n) => ({
          supplierId: n.supplierId,
          nodeId: n.nodeId,
          gpuSeconds: n.gpus * effect.totalSeconds,
          amountMicros: supplierShareMicros(n.askPerGpuHourMicros, n.gpus * effect.totalSeconds).toString(),
        }));
        const shares = supplierShares.reduce((sum, s) => sum + BigInt(s.amountMicros), 0n);
        const gpuSeconds = supplierShares.reduce((sum, s) => sum + s.gpuSeconds, 0);
        writes.settlements.set(state.reservationId, {
          gpuSeconds,
          lines: invoiceLines(nodes, effect.totalSeconds, state.computeCreditId),
          settledAt: now,
        });
        writes.events.push(
          this.event(UsageSettled, meter, causationId, now, {
            settlementId: deterministicUuid(IdNamespaces.settlement, state.jobId, state.reservationId),
            ...ids,
            currency,
            gpuSeconds,
            chargedMicros: state.chargedMicros.toString(),
            supplierShares,
            platformRevenueMicros: (state.chargedMicros - shares).toString(),
            ledgerTransactionId: transactionId,
            settledAt: now.toISOString(),
          }),
        );
        return;
      }
    }
  }

  private usageRecorded(
    meter: StoredMeter,
    causationId: string | null,
    change: UsageChange,
    throughSeconds: number,
    final: boolean,
    ledgerTransactionId: string,
    now: Date,
  ): OutgoingEvent {
    const supplierMicros = change.supplierShares.reduce((sum, s) => sum + s.amountMicros, 0n);
    return this.event(UsageRecorded, meter, causationId, now, {
      tenantId: meter.state.tenantId,
      jobId: meter.state.jobId,
      reservationId: meter.state.reservationId,
      ...creditOf(meter),
      currency: this.config.BILLING_CURRENCY,
      throughSeconds,
      gpuSeconds: change.gpuSeconds,
      chargedMicros: change.chargedMicros.toString(),
      fromHeldMicros: change.fromHeldMicros.toString(),
      supplierMicros: supplierMicros.toString(),
      platformRevenueMicros: change.platformRevenueMicros.toString(),
      final,
      ledgerTransactionId,
      recordedAt: now.toISOString(),
    });
  }

  /** Billing's events carry the reservation's correlation id and, when an event caused them, that event. */
  private event<T>(
    contract: EventContract<T>,
    meter: StoredMeter,
    causationId: string | null,
    now: Date,
    payload: T,
  ): OutgoingEvent {
    const origin = { correlationId: meter.correlationId, causationId, tenantId: meter.state.tenantId };
    return {
      contract: contract as EventContract<unknown>,
      event: createEvent(contract, payload, origin, now),
    };
  }
}

/** The `computeCreditId` field of a meter's events: present only when a compute credit pays. */
function creditOf(meter: StoredMeter): { computeCreditId?: string } {
  return meter.state.computeCreditId ? { computeCreditId: meter.state.computeCreditId } : {};
}
