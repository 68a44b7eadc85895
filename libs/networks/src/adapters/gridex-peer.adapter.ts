import { decimalToMicros, JobState, microsToDecimal } from '@gridex/contracts';
import { GridexApiError, GridexClient, Job, JobSpec } from '@gridex/sdk';
import {
  ExternalJob,
  ExternalJobRequest,
  ExternalUsage,
  NetworkAdapter,
  NetworkOffer,
  NetworkQuote,
  NetworkRefused,
} from '../network-adapter';

/** One offer of a Gridex exchange's offer search, as its public API writes it. */
export interface PeerOffer {
  cluster: string;
  node: string;
  region: string;
  gpuProduct: string;
  gpuMemoryGb: number;
  freeGpus: number;
  interconnect: string;
  reliability: number;
  /** What the peer's clients pay per GPU-hour on demand (its supplier's ask plus its take). */
  pricePerGpuHour: string | null;
}

/**
 * Another Gridex exchange as a network: its public API through the SDK, with a client tenant's key Gridex holds
 * there. What it answers is mapped here and validated by the registry. Its offer search shows what its clients
 * pay (its suppliers' asks plus its take) and the GPUs it has not reserved, so offers are taken as they are.
 */
export class GridexPeerAdapter implements NetworkAdapter {
  readonly kind = 'gridex';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async discover(signal: AbortSignal): Promise<NetworkOffer[]> {
    const client = this.client(signal);
    const offers: NetworkOffer[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.offers({ limit: 200, ...(cursor ? { cursor } : {}) });
      offers.push(...peerOffers(page.items as unknown as PeerOffer[]));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && offers.length < 10_000);
    return offers;
  }

  async quote(request: ExternalJobRequest, signal: AbortSignal): Promise<NetworkQuote> {
    const quote = await this.client(signal).quote(jobSpecOf(request));
    const price = quote.offers[0]?.pricePerGpuHour;
    return {
      feasible: quote.feasible,
      reasons: quote.reasons,
      ...(typeof price === 'string' ? { pricePerGpuHourMicros: decimalToMicros(price).toString() } : {}),
    };
  }

  async place(
    request: ExternalJobRequest,
    idempotencyKey: string,
    signal: AbortSignal,
  ): Promise<ExternalJob> {
    try {
      const accepted = await this.client(signal).submitJob(jobSpecOf(request), idempotencyKey);
      return { externalJobId: accepted.id, status: accepted.status };
    } catch (error) {
      throw refusalOf(error, 'place');
    }
  }

  async status(externalJobId: string, signal: AbortSignal): Promise<ExternalJob> {
    return externalJobOf(await this.client(signal).job(externalJobId));
  }

  async cancel(externalJobId: string, signal: AbortSignal): Promise<void> {
    await this.client(signal).cancelJob(externalJobId);
  }

  async usage(externalJobId: string, signal: AbortSignal): Promise<ExternalUsage> {
    const page = await this.client(signal).usage({ jobId: externalJobId });
    const used = page.items.find((item) => item.jobId === externalJobId);
    return {
      gpuSeconds: used?.gpuSeconds ?? 0,
      chargedMicros: used ? decimalToMicros(used.amount).toString() : '0',
    };
  }

  /** A client whose every request carries this call's abort signal (the registry's timeout). */
  private client(signal: AbortSignal): GridexClient {
    return new GridexClient({
      baseUrl: this.baseUrl,
      apiKey: this.apiKey,
      retries: 0,
      fetch: (request) => fetch(request, { signal }),
    });
  }
}

/**
 * A peer's answer that says no (a 4xx problem, other than a timeout or rate limit) as a refusal; anything else
 * as it was, its outcome unknown.
 */
function refusalOf(error: unknown, operation: string): unknown {
  if (error instanceof GridexApiError && error.status >= 400 && error.status < 500) {
    if (![408, 425, 429].includes(error.status)) {
      // The registry names the network; the adapter does not know its id.
      return new NetworkRefused('', operation, `${error.status} ${error.message}`);
    }
  }
  return error;
}

/** A peer's offers as the port's: one offer per node with free GPUs, priced as the peer charges its clients. */
export function peerOffers(items: readonly PeerOffer[]): NetworkOffer[] {
  return items
    .filter((o) => o.freeGpus > 0 && o.pricePerGpuHour !== null)
    .map((o) => ({
      offerId: `${o.cluster}/${o.node}`,
      region: o.region,
      gpuProduct: o.gpuProduct,
      gpuMemoryMiB: Math.round(o.gpuMemoryGb * 1024),
      gpusPerNode: o.freeGpus,
      nodes: 1,
      interconnect: o.interconnect as NetworkOffer['interconnect'],
      pricePerGpuHourMicros: decimalToMicros(o.pricePerGpuHour as string).toString(),
      reliabilityBps: Math.round(o.reliability * 10_000),
    }));
}

/**
 * A peer's job as the port's: its state, and its workload's start and end as the peer meters them (not the
 * timeline's event times, which may fall in another second), so that what this exchange meters is what the
 * peer charges.
 */
export function externalJobOf(job: Job): ExternalJob {
  return {
    externalJobId: job.id,
    status: job.status as JobState,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(job.reason ? { reason: job.reason } : {}),
  };
}

/** The job as the peer's `POST /v1/jobs` takes it. */
export function jobSpecOf(request: ExternalJobRequest): JobSpec {
  const { spec } = request;
  return {
    ...(request.name ? { name: request.name } : {}),
    image: request.image,
    command: request.command,
    gpusPerNode: spec.gpusPerNode,
    nodes: spec.nodeCount,
    ...(spec.gpuProducts ? { gpuProducts: spec.gpuProducts } : {}),
    ...(spec.minGpuMemoryMiB ? { minGpuMemoryGb: Math.ceil(spec.minGpuMemoryMiB / 1024) } : {}),
    ...(spec.interconnect ? { interconnect: spec.interconnect } : {}),
    ...(spec.regions ? { regions: spec.regions } : {}),
    ...(spec.verifiedOnly !== undefined ? { verifiedOnly: spec.verifiedOnly } : {}),
    maxPricePerGpuHour: microsToDecimal(BigInt(spec.maxPricePerGpuHour.micros)),
    expectedDurationSeconds: spec.expectedDurationSeconds,
    interruptible: spec.tier === 'interruptible',
    ...(request.annotations ? { annotations: request.annotations } : {}),
  };
}
