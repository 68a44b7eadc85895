import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { JobSubmittedPayloadSchema } from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { placementRequestFor, unmatchedPayload } from '../placement/placement.service';

const job = JobSubmittedPayloadSchema.shape;

/** What a quote needs: the placement fields of a job (no image, command or ids). */
export const QuoteRequestSchema = z
  .strictObject({
    gpusPerNode: job.gpusPerNode,
    nodeCount: job.nodeCount,
    gpuProducts: job.gpuProducts,
    minGpuMemoryMiB: job.minGpuMemoryMiB,
    interconnect: job.interconnect,
    regions: job.regions,
    preferredRegions: job.preferredRegions,
    minReliabilityBasisPoints: job.minReliabilityBasisPoints,
    verifiedOnly: job.verifiedOnly,
    maxPricePerGpuHour: job.maxPricePerGpuHour,
    expectedDurationSeconds: job.expectedDurationSeconds,
    tier: job.tier,
  })
  .refine((quote) => quote.gpuProducts !== undefined || quote.minGpuMemoryMiB !== undefined, {
    message: 'either gpuProducts or minGpuMemoryMiB is required',
    path: ['gpuProducts'],
  });

/** GPU-hours at a price for a duration, rounded up to a whole micro-unit (an estimate never undercharges). */
export function estimatedCostMicros(gpus: number, priceMicros: bigint, seconds: number): bigint {
  return (BigInt(gpus) * priceMicros * BigInt(seconds) + 3_599n) / 3_600n;
}

/**
 * What a job would get now: the placement the engine would make (nothing reserved; capacity moves) with its
 * estimated cost, or the same explanation a queued job gets. Shared by the HTTP route and the Kafka responder.
 */
export function quoteFor(book: OfferBook, spec: z.infer<typeof QuoteRequestSchema>, currency: string) {
  const request = placementRequestFor({ ...spec, priority: 0 });
  const placement = book.place(request);
  if (!placement) {
    const { code, exclusions, nearMiss, nodesConsidered } = unmatchedPayload(
      { job_id: 'quote', tenant_id: 'quote' },
      book.explain(request),
      currency,
      false,
    );
    return { feasible: false, code, exclusions, nearMiss, nodesConsidered };
  }
  const total = placement.allocations.reduce(
    (sum, a) => sum + estimatedCostMicros(a.gpus, a.priceMicros, spec.expectedDurationSeconds),
    0n,
  );
  return {
    feasible: true,
    tier: placement.tier,
    allocations: placement.allocations.map((a) => ({
      nodeId: a.nodeId,
      clusterId: a.clusterId,
      nodeName: a.nodeName,
      region: a.region,
      gpuProduct: a.gpuProduct,
      supplierId: a.supplierId,
      gpus: a.gpus,
      pricePerGpuHour: { currency, micros: a.priceMicros.toString() },
    })),
    estimatedCost: { currency, micros: total.toString() },
  };
}

/**
 * The dry run of matching, for the gateway's quotes: the same engine and the same book as a real placement,
 * nothing reserved. A feasible quote lists the allocation and its prices now (not a promise: capacity moves);
 * an infeasible one carries the same explanation a queued job would get.
 */
@Controller('v1/quotes')
export class QuoteController {
  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  quote(@Body() body: unknown) {
    const spec = validated(
      QuoteRequestSchema,
      body,
      'MATCHING.INVALID_QUOTE',
      'the quote request is invalid',
    );
    const currency = this.config.MATCHING_CURRENCY;
    if (spec.maxPricePerGpuHour.currency !== currency) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'MATCHING.CURRENCY_MISMATCH',
        `this market trades in ${currency}`,
        [{ field: 'maxPricePerGpuHour.currency', message: `must be ${currency}` }],
      );
    }
    return quoteFor(this.book, spec, currency);
  }
}
