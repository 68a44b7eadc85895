import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { money, NetworkChargeReported } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ExternalJobRequest, NetworkRegistry } from '@gridex/networks';
import { ServiceMetrics } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { networkWorkloadStatus, pendingPlacementStatus } from '../domain/network-workload';
import { LAUNCHED_STATES } from '../domain/workload-lifecycle';
import { WorkloadLifecycle } from '../workloads/workload-lifecycle.service';
import { WorkloadRow, WorkloadStore } from '../workloads/workload.store';
import { NetworkPlacements } from './network-placements.service';

/**
 * Follows every live job on another network by polling the network, into the same lifecycle reports as a pod's
 * (`domain/network-workload.ts`), cancels there what ended here but could not be cancelled at the time, and
 * reports what the network charged for each job that ran once the network has settled it (billing reconciles
 * it with what Gridex owes the network).
 */
@Injectable()
export class NetworkWorkloadPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  /** When each live job's network last answered about it (since this process started). */
  private readonly lastAnswer = new Map<string, Date>();
  private readonly charged;

  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(NetworkPlacements) private readonly placements: NetworkPlacements,
    @Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle,
    @Inject(WorkloadStore) private readonly store: WorkloadStore,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    this.charged = metrics.counter(
      'network_charged_micros_total',
      'What other networks charged for the jobs they ran, in micro-units of USD, by network',
      ['network'],
    );
    this.task = new PeriodicTask(
      new Logger(NetworkWorkloadPoller.name),
      'network workloads poll',
      config.NETWORK_STATUS_POLL_MS,
      () => this.poll(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.registry.ids().length > 0) this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  async poll(now = new Date()): Promise<void> {
    const rows = await this.workloads.launchedOnNetworks();
    await Promise.all(rows.map((row) => this.follow(row, now)));
    for (const row of await this.workloads.uncleaned('networks')) await this.workloads.cleanUp(row, 0);
    for (const row of await this.store.chargesToReport()) await this.reportCharge(row, now);
  }

  /**
   * A placement whose outcome was not known: asked again with the same key, which names the job if the first
   * request reached the network and places it if it did not; given up (lost) once the network says no or the
   * start timeout passes.
   */
  private async resolve(row: WorkloadRow, now: Date): Promise<void> {
    const networkId = row.network_id as string;
    const asked = await this.placements.place(
      networkId,
      row.network_request as ExternalJobRequest,
      row.workload_id,
    );
    if (asked.kind === 'placed') {
      await this.store.recordPlacement(this.dataSource, row.workload_id, asked.job.externalJobId);
      this.lastAnswer.set(row.workload_id, now);
      return;
    }
    const status = pendingPlacementStatus(
      asked,
      {
        networkId,
        nodeNames: row.allocations.map((a) => a.nodeName),
        placedAt: new Date(row.placed_at as Date),
        now,
      },
      { startTimeoutMs: this.config.NETWORK_START_TIMEOUT_SECONDS * 1000 },
    );
    if (!status) return;
    const after = await this.workloads.observe(row.workload_id, () => status, []);
    if (after && !after.cleaned_up && !(LAUNCHED_STATES as readonly string[]).includes(after.state)) {
      await this.workloads.cleanUp(after, 0);
    }
  }

  /** Reads what the network charged for a job that ran there and reports it, once; none yet: later. */
  private async reportCharge(row: WorkloadRow, now: Date): Promise<void> {
    const networkId = row.network_id as string;
    const usage = await this.registry.usage(networkId, row.external_job_id as string).catch(() => undefined);
    // The network lists a job's usage once it has settled it.
    if (!usage || usage.gpuSeconds === 0) return;
    const recorded = await this.store.transaction(async (tx) => {
      if (!(await this.store.recordCharge(tx, row.workload_id, BigInt(usage.chargedMicros), now)))
        return false;
      await this.outbox.emit(
        tx,
        NetworkChargeReported,
        {
          networkId,
          jobId: row.job_id,
          reservationId: row.reservation_id,
          externalJobId: row.external_job_id as string,
          gpuSeconds: usage.gpuSeconds,
          charged: money('USD', BigInt(usage.chargedMicros)),
          reportedAt: now.toISOString(),
        },
        { correlationId: row.correlation_id, causationId: null, tenantId: row.tenant_id },
        now,
      );
      return true;
    });
    if (recorded) this.charged.inc({ network: networkId }, Number(usage.chargedMicros));
  }

  private async follow(row: WorkloadRow, now: Date): Promise<void> {
    if (!row.network_id || !row.placed_at || !row.network_request) return;
    if (!row.external_job_id) return this.resolve(row, now);
    const job = await this.placements.status(row);
    if (job) this.lastAnswer.set(row.workload_id, now);
    const status = networkWorkloadStatus(
      {
        networkId: row.network_id,
        job,
        nodeNames: row.allocations.map((a) => a.nodeName),
        placedAt: new Date(row.placed_at),
        lastAnswerAt: this.lastAnswer.get(row.workload_id) ?? new Date(row.placed_at),
        now,
      },
      {
        startTimeoutMs: this.config.NETWORK_START_TIMEOUT_SECONDS * 1000,
        silenceLimitMs: this.config.NETWORK_SILENCE_LIMIT_SECONDS * 1000,
      },
    );
    // The allocation's nodes stand for the job's members there: the lifecycle reports them as its "pods".
    const members = row.allocations.map((a, rank) => ({
      name: `${row.external_job_id}#${rank}`,
      nodeName: a.nodeName,
    }));
    const after = await this.workloads.observe(row.workload_id, () => status, members);
    if (after && !(LAUNCHED_STATES as readonly string[]).includes(after.state)) {
      this.lastAnswer.delete(row.workload_id);
      if (!after.cleaned_up) await this.workloads.cleanUp(after, 0);
    }
  }
}
