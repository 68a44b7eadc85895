import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobExpired } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { ReservationSync } from '../book/reservation-sync.service';
import { MatchingConfig } from '../config/matching.config';
import { MatchingTables } from '../database/matching-tables';
import { FairShareQueue } from '../domain/queue-order';
import { JobStore } from '../jobs/job.store';
import { PlacementService } from '../placement/placement.service';

/**
 * Offers queued jobs the capacity that freed up, every MATCHING_QUEUE_INTERVAL_MS: first it expires the jobs
 * past their queue deadline (job.expired), then it tries up to MATCHING_QUEUE_BATCH of the rest by weighted fair
 * share (`domain/queue-order.ts`): always the head of the tenant holding the fewest GPUs for its weight, every
 * tenant's head read however long another's queue is. A job that still does not fit stays queued silently: its
 * job.unmatched was sent when it was queued.
 *
 * One pass runs at a time across all replicas (a transaction-scoped advisory lock), and job rows are taken with
 * SKIP LOCKED so a pass never waits on a job another transaction is changing.
 */
@Injectable()
export class QueueDrainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueDrainer.name);
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private readonly depth;
  private readonly expired;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MatchingTables) private readonly tables: MatchingTables,
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(PlacementService) private readonly placement: PlacementService,
    @Inject(ReservationSync) private readonly sync: ReservationSync,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.depth = metrics.gauge('queue_depth', 'Jobs waiting for capacity, as seen by the last queue pass');
    this.expired = metrics.counter('jobs_expired_total', 'Queued jobs dropped at their queue deadline');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.pass) return;
      this.pass = this.drainOnce()
        .catch(async (error: Error) => {
          this.logger.warn(`queue pass failed, will retry: ${error.message}`);
          // The pass rolled back; the book may hold its tentative reservations until it re-reads them.
          await this.sync.loadAll().catch(() => undefined);
        })
        .finally(() => (this.pass = undefined));
    }, this.config.MATCHING_QUEUE_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  /** One pass over the queue; exposed for tests. */
  async drainOnce(now = new Date()): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        `${this.tables.jobs}:queue`,
      ]);
      if (!locked) return;
      const expired = await this.jobs.expireOverdue(tx, now);
      await this.outbox.emitAll(
        tx,
        JobExpired,
        expired.map((job) => ({
          payload: {
            jobId: job.job_id,
            tenantId: job.tenant_id,
            queueDeadline: new Date(job.queue_deadline).toISOString(),
            expiredAt: now.toISOString(),
          },
          origin: { correlationId: job.correlation_id, causationId: null, tenantId: job.tenant_id },
        })),
        now,
      );
      this.expired.inc(expired.length);
      const batch = this.config.MATCHING_QUEUE_BATCH;
      const lanes = await this.jobs.lockQueuedLanes(tx, batch);
      this.depth.set(lanes.reduce((sum, lane) => sum + lane.jobs.length, 0));
      const queue = new FairShareQueue(
        lanes.map((lane) => ({
          ...lane,
          jobs: lane.jobs.map((job) => ({
            ...job,
            jobId: job.job_id,
            tenantId: job.tenant_id,
            submittedAtMs: +job.submitted_at,
            gpus: job.spec.gpusPerNode * job.spec.nodeCount,
          })),
        })),
      );
      for (let tried = 0; tried < batch; tried += 1) {
        const job = queue.next();
        if (!job) break;
        if (
          await this.placement.tryPlace(
            tx,
            job,
            { correlationId: job.correlation_id, causationId: null },
            now,
          )
        ) {
          queue.placed(job);
        }
      }
    });
  }
}
