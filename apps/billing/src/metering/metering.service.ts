import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  createEvent,
  CreditExhausted,
  deterministicUuid,
  EventContract,
  EventOrigin,
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
import { advanceMeter, fundsRunOut, MeterEffect, MeterInput } from '../domain/meter';
import { Posting } from '../domain/ledger';
import { costPerSecondMicros, invoiceLines, UsageChange } from '../domain/metering';
import { supplierShareMicros } from '../domain/money-rules';
import { LedgerStore } from '../ledger/ledger.store';
import { TenantAccounts, TenantFunds } from '../ledger/tenant-accounts';
import { MeterStore, StoredMeter } from './meter.store';

export interface MeterKey {
  reservationId: string;
  jobId: string;
  tenantId: string;
  correlationId: string;
}

/** Billing's events name the reservation's correlation id and, when an event caused them, that event. */
interface Cause {
  causationId: string | null;
}

/**
 * Applies lifecycle inputs to meters and records their effects: ledger transactions and, in the same database
 * transaction, the finance events (outbox). Every method runs in the caller's transaction and takes the
 * tenant's lock before touching its meters.
 */
const NO_CAUSE: Cause = { causationId: null };

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

  /** One lifecycle input for one reservation. */
  async apply(tx: EntityManager, key: MeterKey, input: MeterInput, cause: Cause, now: Date): Promise<void> {
    const funds = await this.tenants.lock(tx, key.tenantId);
    const meter = await this.meters.lock(tx, key);
    await this.advance(tx, meter, input, funds, cause, now);
  }

  /**
   * Charges a tenant's running work for the seconds used so far, then stops it all if its funds cannot
   * cover the next `BILLING_EXHAUSTION_HORIZON_SECONDS` (one `credit-exhausted` per workload, once).
   */
  async accrueTenant(tx: EntityManager, tenantId: string, now: Date): Promise<number> {
    const funds = await this.tenants.lock(tx, tenantId);
    const running = await this.meters.lockRunning(tx, tenantId);
    for (const meter of running) {
      await this.advance(tx, meter, { kind: 'tick', now }, funds, NO_CAUSE, now);
    }
    const after = await this.tenants.read(tx, tenantId);
    const live = running.filter((m) => !m.exhaustedAt);
    const runsOut = fundsRunOut(
      after.availableMicros + after.creditLimitMicros,
      running.map((m) => ({
        costPerSecondMicros: costPerSecondMicros(m.state.nodes ?? []),
        heldRemainingMicros: m.state.heldRemainingMicros,
      })),
      this.config.BILLING_EXHAUSTION_HORIZON_SECONDS,
    );
    if (!runsOut || live.length === 0) return running.length;
    const events: OutgoingEvent[] = [];
    for (const meter of live) {
      meter.exhaustedAt = now;
      await this.meters.save(tx, meter);
      events.push(
        this.event(CreditExhausted, meter, NO_CAUSE, now, {
          tenantId,
          jobId: meter.state.jobId,
          reservationId: meter.state.reservationId,
          exhaustedAt: now.toISOString(),
        }),
      );
    }
    this.exhausted.inc(live.length);
    await this.outbox.append(tx, events);
    return running.length;
  }

  private async advance(
    tx: EntityManager,
    meter: StoredMeter,
    input: MeterInput,
    funds: TenantFunds,
    cause: Cause,
    now: Date,
  ): Promise<void> {
    const effects = advanceMeter(meter.state, input, {
      fundsMicros: funds.availableMicros + funds.creditLimitMicros,
      holdMarginBps: this.config.BILLING_HOLD_MARGIN_BPS,
    });
    const events: OutgoingEvent[] = [];
    let settlement: Parameters<MeterStore['save']>[2];
    for (const effect of effects) {
      events.push(...(await this.record(tx, meter, effect, cause, now)));
      if (effect.kind === 'hold-placed') funds.availableMicros -= effect.amountMicros;
      if (effect.kind === 'settled') {
        const nodes = meter.state.nodes ?? [];
        settlement = {
          gpuSeconds: nodes.reduce((sum, n) => sum + n.gpus, 0) * effect.totalSeconds,
          lines: invoiceLines(nodes, effect.totalSeconds),
          settledAt: now,
        };
      }
    }
    await this.meters.save(tx, meter, settlement);
    await this.outbox.append(tx, events);
  }

  /** Posts one effect to the ledger and returns the finance events that describe it. */
  private async record(
    tx: EntityManager,
    meter: StoredMeter,
    effect: MeterEffect,
    cause: Cause,
    now: Date,
  ): Promise<OutgoingEvent[]> {
    const { state } = meter;
    const currency = this.config.BILLING_CURRENCY;
    const ids = { tenantId: state.tenantId, jobId: state.jobId, reservationId: state.reservationId };
    switch (effect.kind) {
      case 'hold-placed': {
        const transactionId = await this.post(tx, 'hold', state.reservationId, now, effect.postings);
        return [
          this.event(HoldPlaced, meter, cause, now, {
            ...ids,
            amount: money(currency, effect.amountMicros),
            expectedDurationSeconds: state.expectedSeconds ?? 1,
            marginBasisPoints: this.config.BILLING_HOLD_MARGIN_BPS,
            ledgerTransactionId: transactionId,
            placedAt: now.toISOString(),
          }),
        ];
      }
      case 'hold-rejected':
        this.holdsRejected.inc();
        return [
          this.event(HoldRejected, meter, cause, now, {
            ...ids,
            required: money(currency, effect.requiredMicros),
            fundsMicros: effect.fundsMicros.toString(),
            rejectedAt: now.toISOString(),
          }),
        ];
      case 'usage-recorded': {
        if (effect.change.postings.length === 0) return [];
        const reference = `${state.reservationId}:${effect.throughSeconds}`;
        const transactionId = await this.post(tx, 'usage', reference, now, effect.change.postings);
        return [
          this.usageRecorded(meter, cause, effect.change, effect.throughSeconds, false, transactionId, now),
        ];
      }
      case 'settled': {
        const transactionId =
          effect.postings.length > 0
            ? await this.post(tx, 'settlement', state.reservationId, now, effect.postings)
            : undefined;
        const events: OutgoingEvent[] = [];
        if (transactionId && effect.change.postings.length > 0) {
          events.push(
            this.usageRecorded(meter, cause, effect.change, effect.totalSeconds, true, transactionId, now),
          );
        }
        if (transactionId && effect.releasedMicros > 0n) {
          events.push(
            this.event(HoldReleased, meter, cause, now, {
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
        events.push(
          this.event(UsageSettled, meter, cause, now, {
            settlementId: deterministicUuid(IdNamespaces.settlement, state.jobId, state.reservationId),
            ...ids,
            currency,
            gpuSeconds: supplierShares.reduce((sum, s) => sum + s.gpuSeconds, 0),
            chargedMicros: state.chargedMicros.toString(),
            supplierShares,
            platformRevenueMicros: (state.chargedMicros - shares).toString(),
            ledgerTransactionId: transactionId,
            settledAt: now.toISOString(),
          }),
        );
        return events;
      }
    }
  }

  private async post(
    tx: EntityManager,
    kind: 'hold' | 'usage' | 'settlement',
    reference: string,
    now: Date,
    postings: readonly Posting[],
  ): Promise<string> {
    const id = await this.ledger.post(tx, kind, reference, now, postings);
    if (id) this.posted.inc({ kind });
    // Already posted means this exact effect was recorded before (the meter's state says otherwise only if
    // it was rolled back with it): the id is the same either way.
    return id ?? this.ledger.transactionId(kind, reference);
  }

  private usageRecorded(
    meter: StoredMeter,
    cause: Cause,
    change: UsageChange,
    throughSeconds: number,
    final: boolean,
    ledgerTransactionId: string,
    now: Date,
  ): OutgoingEvent {
    const supplierMicros = change.supplierShares.reduce((sum, s) => sum + s.amountMicros, 0n);
    return this.event(UsageRecorded, meter, cause, now, {
      tenantId: meter.state.tenantId,
      jobId: meter.state.jobId,
      reservationId: meter.state.reservationId,
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

  private event<T>(
    contract: EventContract<T>,
    meter: StoredMeter,
    cause: Cause,
    now: Date,
    payload: T,
  ): OutgoingEvent {
    const origin: EventOrigin = {
      correlationId: meter.correlationId,
      causationId: cause.causationId,
      tenantId: meter.state.tenantId,
    };
    return {
      contract: contract as EventContract<unknown>,
      event: createEvent(contract, payload, origin, now),
    };
  }
}
