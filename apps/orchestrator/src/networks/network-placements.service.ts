import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobMatchedPayload } from '@gridex/contracts';
import {
  ExternalJob,
  ExternalJobRequest,
  NetworkRefused,
  NetworkRegistry,
  NetworkUnavailable,
} from '@gridex/networks';
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
 * How a placement went: placed (the job there), not placed (the network said no, or was not called because its
 * breaker is open), or unknown (no answer in time, a server error, an answer that made no sense: the job may or
 * may not exist there, and asking again with the same key tells).
 */
export type PlacementOutcome =
  | { kind: 'placed'; job: ExternalJob }
  | { kind: 'not-placed'; reason: string }
  | { kind: 'unknown'; reason: string };

/**
 * Work placed on other compute networks, through the registry (timeout, breaker, validation): placing with the
 * workload id as the idempotency key, so asking again after an unknown outcome names the same job there and a
 * job is never placed twice; and cancelling, which first resolves a placement whose outcome was never known.
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
      'Placements asked of other networks, by network and outcome (placed, not-placed, unknown: asked again)',
      ['network', 'outcome'],
    );
  }

  networkOf(matched: JobMatchedPayload): string | undefined {
    return networkOf(matched, this.registry);
  }

  /** Places a job on a network under `workloadId` as its idempotency key. */
  async place(networkId: string, request: ExternalJobRequest, workloadId: string): Promise<PlacementOutcome> {
    const outcome = await this.registry.place(networkId, request, workloadId).then(
      (job): PlacementOutcome => ({ kind: 'placed', job }),
      (error: Error): PlacementOutcome =>
        error instanceof NetworkRefused || error instanceof NetworkUnavailable
          ? { kind: 'not-placed', reason: error.message.slice(0, 900) }
          : { kind: 'unknown', reason: error.message.slice(0, 900) },
    );
    this.placements.inc({ network: networkId, outcome: outcome.kind });
    return outcome;
  }

  /**
   * Ends a job on its network unless it has ended there. A placement whose outcome was never known is resolved
   * first by asking again with its key (if it never reached the network, this places it, and it is cancelled at
   * once). False when the network could not be told, so the caller tries again later.
   */
  async cancel(row: WorkloadRow): Promise<boolean> {
    if (!row.network_id) return true;
    let externalJobId = row.external_job_id;
    if (!externalJobId) {
      if (!row.network_request) return true; // never asked of the network
      const resolved = await this.place(row.network_id, row.network_request, row.workload_id);
      if (resolved.kind === 'not-placed') return true;
      if (resolved.kind === 'unknown') return false;
      externalJobId = resolved.job.externalJobId;
    }
    try {
      const job = await this.registry.status(row.network_id, externalJobId);
      if (!ENDED.has(job.status)) await this.registry.cancel(row.network_id, externalJobId);
      return true;
    } catch (error) {
      this.logger.warn(`could not cancel ${externalJobId} on ${row.network_id}: ${(error as Error).message}`);
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
