import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  EventEnvelope,
  JobMatched,
  JobMatchedPayload,
  WorkloadFinished,
  WorkloadFinishedPayload,
  WorkloadStarted,
  WorkloadStartedPayload,
} from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { MeteredNode } from '../domain/metering';
import { MeterItem, MeteringService } from './metering.service';

/**
 * A handler that turns each event into one meter input. Batches go to the metering service whole: the
 * effect is the same as event by event, in a handful of statements.
 */
abstract class MeterInputHandler<T> implements EventHandler<T> {
  abstract readonly name: string;
  abstract readonly contract: EventHandler<T>['contract'];

  constructor(@Inject(MeteringService) protected readonly metering: MeteringService) {}

  protected abstract itemOf(event: EventEnvelope<T>): MeterItem;

  async handle(event: EventEnvelope<T>, tx: EntityManager): Promise<void> {
    await this.metering.applyBatch(tx, [this.itemOf(event)], new Date());
  }

  async handleBatch(events: ReadonlyArray<EventEnvelope<T>>, tx: EntityManager): Promise<void> {
    await this.metering.applyBatch(
      tx,
      events.map((event) => this.itemOf(event)),
      new Date(),
    );
  }
}

/** The tenant an orchestrator event is about: carried by the envelope (its payloads name only the job). */
function tenantOf(event: EventEnvelope): string {
  if (!event.tenantId) {
    throw new RejectedEventError(`${event.type} ${event.eventId} names no tenant`, 'BILLING.NO_TENANT');
  }
  return event.tenantId;
}

function meterKey(
  event: EventEnvelope<{ reservationId: string; jobId: string }>,
  tenantId: string,
): MeterItem['key'] {
  const { reservationId, jobId } = event.payload;
  return { reservationId, jobId, tenantId, correlationId: event.correlationId };
}

/** A job was matched: its prices are fixed and its expected cost is held (or the hold rejected). */
@Injectable()
@ConsumesEvents()
export class HoldOnJobMatchedHandler extends MeterInputHandler<JobMatchedPayload> {
  readonly name = 'billing.hold-on-job-matched';
  readonly contract = JobMatched;

  constructor(
    @Inject(MeteringService) metering: MeteringService,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {
    super(metering);
  }

  protected itemOf(event: EventEnvelope<JobMatchedPayload>): MeterItem {
    const matched = event.payload;
    const nodes: MeteredNode[] = matched.allocations.map((a) => {
      for (const price of [a.pricePerGpuHour, a.supplierPricePerGpuHour]) {
        if (price.currency !== this.config.BILLING_CURRENCY) {
          throw new RejectedEventError(
            `reservation ${matched.reservationId} is priced in ${price.currency}; the ledger keeps ${this.config.BILLING_CURRENCY}`,
            'BILLING.CURRENCY_MISMATCH',
          );
        }
      }
      return {
        nodeId: a.nodeId,
        supplierId: a.supplierId,
        gpuProduct: a.gpuProduct,
        gpus: a.gpus,
        pricePerGpuHourMicros: BigInt(a.pricePerGpuHour.micros),
        askPerGpuHourMicros: BigInt(a.supplierPricePerGpuHour.micros),
      };
    });
    if (nodes.some((n) => n.pricePerGpuHourMicros < n.askPerGpuHourMicros)) {
      throw new RejectedEventError(
        `reservation ${matched.reservationId}: a client price is below its supplier's ask`,
        'BILLING.PRICE_BELOW_ASK',
      );
    }
    return {
      key: meterKey(event, matched.tenantId),
      input: { kind: 'matched', nodes, expectedSeconds: matched.expectedDurationSeconds },
      causationId: event.eventId,
    };
  }
}

/** A workload runs: metering starts from its first container start. */
@Injectable()
@ConsumesEvents()
export class MeterOnWorkloadStartedHandler extends MeterInputHandler<WorkloadStartedPayload> {
  readonly name = 'billing.meter-on-workload-started';
  readonly contract = WorkloadStarted;

  protected itemOf(event: EventEnvelope<WorkloadStartedPayload>): MeterItem {
    const started = event.payload;
    return {
      key: meterKey(event, tenantOf(event)),
      input: { kind: 'started', startedAt: new Date(started.startedAt) },
      causationId: event.eventId,
    };
  }
}

/** A workload ended: its usage is settled (final charge, hold released, earnings split). */
@Injectable()
@ConsumesEvents()
export class SettleOnWorkloadFinishedHandler extends MeterInputHandler<WorkloadFinishedPayload> {
  readonly name = 'billing.settle-on-workload-finished';
  readonly contract = WorkloadFinished;

  protected itemOf(event: EventEnvelope<WorkloadFinishedPayload>): MeterItem {
    const finished = event.payload;
    return {
      key: meterKey(event, tenantOf(event)),
      input: {
        kind: 'finished',
        startedAt: finished.startedAt ? new Date(finished.startedAt) : undefined,
        finishedAt: new Date(finished.finishedAt),
        outcome: finished.reason ? `${finished.outcome}:${finished.reason}` : finished.outcome,
      },
      causationId: event.eventId,
    };
  }
}
