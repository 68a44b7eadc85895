import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  EventEnvelope,
  HoldPlaced,
  HoldPlacedPayload,
  JobMatched,
  JobMatchedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { WorkloadLifecycle } from './workload-lifecycle.service';
import { workloadIdOf } from './workload-names';
import { WorkloadWatcherService } from './workload-watcher.service';

/**
 * Matching placed jobs on this cluster: record each, to run on exactly its allocated nodes once billing holds
 * its cost. A batch starts its workloads together, so one slow API call does not hold up the allocations queued
 * behind it in the partition.
 */
@Injectable()
@ConsumesEvents()
export class StartWorkloadHandler implements EventHandler<JobMatchedPayload> {
  readonly name = 'orchestrator.start-workload';
  readonly contract = JobMatched;

  constructor(
    @Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle,
    @Inject(WorkloadWatcherService) private readonly watcher: WorkloadWatcherService,
  ) {}

  async handle(event: EventEnvelope<JobMatchedPayload>, tx: EntityManager): Promise<void> {
    await this.handleBatch([event], tx);
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<JobMatchedPayload>>,
    tx: EntityManager,
  ): Promise<void> {
    await this.workloads.start(
      tx,
      events.map((event) => ({ matched: event.payload, origin: causedBy(event) })),
    );
  }

  /**
   * The pods exist before their workloads' rows commit, and what Kubernetes said of them in between (bound,
   * running) found no row: the watcher looks at them again now.
   */
  afterCommit(events: ReadonlyArray<EventEnvelope<JobMatchedPayload>>): void {
    this.watcher.revisit(events.map((event) => workloadIdOf(event.payload)));
  }
}

/** Billing held a matched job's cost: its workload may run now (or at once when its allocation arrives). */
@Injectable()
@ConsumesEvents()
export class StartPaidWorkloadHandler implements EventHandler<HoldPlacedPayload> {
  readonly name = 'orchestrator.start-paid-workload';
  readonly contract = HoldPlaced;

  constructor(
    @Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle,
    @Inject(WorkloadWatcherService) private readonly watcher: WorkloadWatcherService,
  ) {}

  async handle(event: EventEnvelope<HoldPlacedPayload>, tx: EntityManager): Promise<void> {
    await this.handleBatch([event], tx);
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<HoldPlacedPayload>>,
    tx: EntityManager,
  ): Promise<void> {
    await this.workloads.holdsPlaced(
      tx,
      events.map((event) => ({ reservationId: event.payload.reservationId, origin: causedBy(event) })),
    );
  }

  afterCommit(events: ReadonlyArray<EventEnvelope<HoldPlacedPayload>>): void {
    this.watcher.revisit(events.map((event) => workloadIdOf(event.payload)));
  }
}
