import { z } from 'zod';
import { JOB_STATES, PlacementSpec } from '@gridex/contracts';

/**
 * The port between Gridex and another compute network it routes work to (the aggregator role). An adapter
 * speaks one network's public API and answers in these shapes; everything it answers is validated here, since
 * it comes from outside: an answer that does not fit is refused with the reason (`NetworkAnswerInvalid`) and
 * counts against the network's circuit breaker, so nothing is placed or charged on a misunderstanding.
 */

const Micros = z.string().regex(/^\d{1,30}$/, 'must be whole micro-units');
const Timestamp = z.iso.datetime({ offset: true });

/** A group of like nodes another network offers, at its price (before Gridex's fee). */
export const NetworkOfferSchema = z.strictObject({
  offerId: z.string().min(1).max(300),
  region: z.string().min(1).max(100),
  gpuProduct: z.string().min(1).max(100),
  gpuMemoryMiB: z.number().int().positive(),
  gpusPerNode: z.number().int().min(1).max(64).describe('Free GPUs on each node of the offer'),
  nodes: z.number().int().min(1).describe('How many such nodes are free'),
  interconnect: z.enum(['nvlink', 'infiniband', 'pcie']),
  pricePerGpuHourMicros: Micros.describe('What the network charges us per GPU-hour'),
  reliabilityBps: z.number().int().min(0).max(10_000),
});
export type NetworkOffer = z.infer<typeof NetworkOfferSchema>;

/** A job as the other network reports it. */
export const ExternalJobSchema = z.strictObject({
  externalJobId: z.string().min(1).max(300),
  status: z.enum(JOB_STATES),
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  reason: z.string().max(2000).optional(),
});
export type ExternalJob = z.infer<typeof ExternalJobSchema>;

/** What the other network metered and charged for a job. */
export const ExternalUsageSchema = z.strictObject({
  gpuSeconds: z.number().int().min(0),
  chargedMicros: Micros,
});
export type ExternalUsage = z.infer<typeof ExternalUsageSchema>;

/** A job to run on another network: what to place and what to run. */
export interface ExternalJobRequest {
  spec: PlacementSpec;
  image: string;
  command: string[];
  name?: string;
  /** The job's own annotations, passed on as they are. */
  annotations?: Record<string, string>;
}

export interface NetworkQuote {
  feasible: boolean;
  pricePerGpuHourMicros?: string;
  reasons: string[];
}

/** One network's public API, as Gridex needs it. Every method may be slow or fail; the registry guards them. */
export interface NetworkAdapter {
  /** The kind of network the adapter speaks (`gridex`, …). */
  readonly kind: string;
  /** The network's current offers (pulled; the registry keeps them with the time they were seen). */
  discover(signal: AbortSignal): Promise<NetworkOffer[]>;
  quote(request: ExternalJobRequest, signal: AbortSignal): Promise<NetworkQuote>;
  /** Places the job; the same idempotency key always names the same placement on the other network. */
  place(request: ExternalJobRequest, idempotencyKey: string, signal: AbortSignal): Promise<ExternalJob>;
  status(externalJobId: string, signal: AbortSignal): Promise<ExternalJob>;
  cancel(externalJobId: string, signal: AbortSignal): Promise<void>;
  usage(externalJobId: string, signal: AbortSignal): Promise<ExternalUsage>;
}

/**
 * The network answered, and its answer is no: the request itself is refused (invalid, not allowed, no credit).
 * Adapters throw it for such answers only, so that a caller knows nothing was done there; any other failure
 * (a timeout, a server error, a dropped connection) leaves the outcome unknown.
 */
export class NetworkRefused extends Error {
  constructor(
    readonly networkId: string,
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`network ${networkId} refused ${operation}: ${reason}`);
    this.name = 'NetworkRefused';
  }
}

/** An answer from another network that does not fit the port's shapes. */
export class NetworkAnswerInvalid extends Error {
  constructor(
    readonly networkId: string,
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`network ${networkId} answered ${operation} with something Gridex cannot use: ${reason}`);
    this.name = 'NetworkAnswerInvalid';
  }
}

/** Parses an adapter's answer; throws {@link NetworkAnswerInvalid} with every problem, field by field. */
export function validAnswer<T>(
  schema: z.ZodType<T>,
  value: unknown,
  networkId: string,
  operation: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const reason = result.error.issues
    .map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`)
    .join('; ');
  throw new NetworkAnswerInvalid(networkId, operation, reason);
}
