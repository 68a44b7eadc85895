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
import { MeteringService } from './metering.service';

/** The tenant an orchestrator event is about: carried by the envelope (its payloads name only the job). */
function tenantOf(event: EventEnvelope): string {
  if (!event.tenantId) {
    throw new RejectedEventError(`${event.type} ${event.eventId} names no tenant`, 'BILLING.NO_TENANT');
  }
  return event.tenantId;
}

/** A job was matched: its prices are fixed and its expected cost is held (or the hold rejected). */
@Injectable()
@ConsumesEvents()
export class HoldOnJobMatchedHandler implements EventHandler<JobMatchedPayload> {
  readonly name = 'billing.hold-on-job-matched';
  readonly contract = JobMatched;

  constructor(
    @Inject(MeteringService) private readonly metering: MeteringService,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {}

  async handle(event: EventEnvelope<JobMatchedPayload>, tx: EntityManager): Promise<void> {
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
    await this.metering.apply(
      tx,
      { ...matched, correlationId: event.correlationId },
      { kind: 'matched', nodes, expectedSeconds: matched.expectedDurationSeconds },
      { causationId: event.eventId },
      new Date(),
    );
  }
}

/** A workload runs: metering starts from its first container start. */
@Injectable()
@ConsumesEvents()
export class MeterOnWorkloadStartedHandler implements EventHandler<WorkloadStartedPayload> {
  readonly name = 'billing.meter-on-workload-started';
  readonly contract = WorkloadStarted;

  constructor(@Inject(MeteringService) private readonly metering: MeteringService) {}

  async handle(event: EventEnvelope<WorkloadStartedPayload>, tx: EntityManager): Promise<void> {
    const started = event.payload;
    await this.metering.apply(
      tx,
      { ...started, tenantId: tenantOf(event), correlationId: event.correlationId },
      { kind: 'started', startedAt: new Date(started.startedAt) },
      { causationId: event.eventId },
      new Date(),
    );
  }
}

/** A workload ended: its usage is settled (final charge, hold released, earnings split). */
@Injectable()
@ConsumesEvents()
export class SettleOnWorkloadFinishedHandler implements EventHandler<WorkloadFinishedPayload> {
  readonly name = 'billing.settle-on-workload-finished';
  readonly contract = WorkloadFinished;

  constructor(@Inject(MeteringService) private readonly metering: MeteringService) {}

  async handle(event: EventEnvelope<WorkloadFinishedPayload>, tx: EntityManager): Promise<void> {
    const finished = event.payload;
    await this.metering.apply(
      tx,
      { ...finished, tenantId: tenantOf(event), correlationId: event.correlationId },
      {
        kind: 'finished',
        startedAt: finished.startedAt ? new Date(finished.startedAt) : undefined,
        finishedAt: new Date(finished.finishedAt),
        outcome: finished.reason ? `${finished.outcome}:${finished.reason}` : finished.outcome,
      },
      { causationId: event.eventId },
      new Date(),
    );
  }
}
