import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NetworkRegistry } from '@gridex/networks';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { networkWorkloadStatus } from '../domain/network-workload';
import { LAUNCHED_STATES } from '../domain/workload-lifecycle';
import { WorkloadLifecycle } from '../workloads/workload-lifecycle.service';
import { WorkloadRow } from '../workloads/workload.store';
import { NetworkPlacements } from './network-placements.service';

/**
 * Follows every live job on another network by polling the network, into the same lifecycle reports as a pod's
 * (`domain/network-workload.ts`), and cancels there what ended here but could not be cancelled at the time.
 */
@Injectable()
export class NetworkWorkloadPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  /** When each live job's network last answered about it (since this process started). */
  private readonly lastAnswer = new Map<string, Date>();

  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(NetworkPlacements) private readonly placements: NetworkPlacements,
    @Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle,
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
  ) {
    this.task = new PeriodicTask(
      new Logger(NetworkWorkloadPoller.name),
      'network workloads poll',
      config.NETWORK_STATUS_POLL_SECONDS * 1000,
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
  }

  private async follow(row: WorkloadRow, now: Date): Promise<void> {
    if (!row.network_id || !row.external_job_id || !row.placed_at) return;
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
