import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobMatchedPayload } from '@gridex/contracts';
import { ExternalJob, ExternalJobRequest, NetworkRegistry } from '@gridex/networks';
import { ServiceMetrics } from '@gridex/observability';
import { WorkloadRow } from '../workloads/workload.store';

/** The network an allocation runs on, if it is one this orchestrator routes to. */
export function networkOf(matched: JobMatchedPayload, registry: NetworkRegistry): string | undefined {
  const networkId = matched.allocations[0].networkId;
  return networkId !== undefined && registry.ids().includes(networkId) ? networkId : undefined;
}

/**
 * The job to place on another network for an allocation: the gang as matched (its product, region and size),
 * capped at the price Gridex snapshotted for that network's capacity, so Gridex never owes more than it priced.
 */
export function externalJobRequest(matched: JobMatchedPayload): ExternalJobRequest {
  const [first] = matched.allocations;
  return {
    name: `gridex-${matched.jobId}`.slice(0, 100),
    image: matched.image,
    command: matched.command,
    ...(matched.annotations ? { annotations: matched.annotations } : {}),
    spec: {
      gpusPerNode: first.gpus,
      nodeCount: matched.allocations.length,
      gpuProducts: [first.gpuProduct],
      regions: [first.region],
      maxPricePerGpuHour: first.supplierPricePerGpuHour,
      expectedDurationSeconds: matched.expectedDurationSeconds,
      tier: 'on-demand',
    },
  };
}

/** A job's states on a network after which there is nothing to cancel. */
const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/**
 * Work placed on other compute networks, through the registry (timeout, breaker, validation): placing with the
 * workload id as the idempotency key (a retried launch names the same job there), and cancelling.
 */
@Injectable()
export class NetworkPlacements {
  private readonly logger = new Logger(NetworkPlacements.name);
  private readonly placements;

  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.placements = metrics.counter(
      'network_placements_total',
      'Jobs placed on other networks, by network and outcome (placed, refused: refused, timed out or invalid)',
      ['network', 'outcome'],
    );
  }

  networkOf(matched: JobMatchedPayload): string | undefined {
    return networkOf(matched, this.registry);
  }

  /** Places the allocation on its network: the job there, or why it could not be placed. */
  async place(
    networkId: string,
    matched: JobMatchedPayload,
    workloadId: string,
  ): Promise<{ placed: ExternalJob } | { refused: string }> {
    try {
      const placed = await this.registry.place(networkId, externalJobRequest(matched), workloadId);
      this.placements.inc({ network: networkId, outcome: 'placed' });
      return { placed };
    } catch (error) {
      this.placements.inc({ network: networkId, outcome: 'refused' });
      return { refused: (error as Error).message.slice(0, 900) };
    }
  }

  /**
   * Ends a job on its network unless it has ended there (nothing to do if it was never placed); false when the
   * network could not be told, so the caller tries again later.
   */
  async cancel(row: WorkloadRow): Promise<boolean> {
    if (!row.network_id || !row.external_job_id) return true;
    try {
      const job = await this.registry.status(row.network_id, row.external_job_id);
      if (!ENDED.has(job.status)) await this.registry.cancel(row.network_id, row.external_job_id);
      return true;
    } catch (error) {
      this.logger.warn(
        `could not cancel ${row.external_job_id} on ${row.network_id}: ${(error as Error).message}`,
      );
      return false;
    }
  }

  /** What the network says of a job now; undefined when it gave no answer. */
  async status(row: WorkloadRow): Promise<ExternalJob | undefined> {
    try {
      return await this.registry.status(row.network_id as string, row.external_job_id as string);
    } catch (error) {
      this.logger.warn(
        `no status of ${row.external_job_id} from ${row.network_id}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }
}
