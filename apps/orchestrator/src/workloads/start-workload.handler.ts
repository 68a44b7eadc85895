import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, EventEnvelope, JobMatched, JobMatchedPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { WorkloadsService } from './workloads.service';

/** Matching placed a job on this cluster: run it on exactly the allocated nodes. */
@Injectable()
@ConsumesEvents()
export class StartWorkloadHandler implements EventHandler<JobMatchedPayload> {
  readonly name = 'orchestrator.start-workload';
  readonly contract = JobMatched;

  constructor(@Inject(WorkloadsService) private readonly workloads: WorkloadsService) {}

  async handle(event: EventEnvelope<JobMatchedPayload>, tx: EntityManager): Promise<void> {
    await this.workloads.start(tx, event.payload, causedBy(event));
  }
}
