import { Controller, Get, HttpStatus, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  Money,
  Offer,
  OffersAnsweredPayload,
  OffersRequested,
  OffersRequestedPayload,
  uuidv7,
} from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';
import { ProblemException, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Public, Roles } from '../auth/principal';
import { decimalToMicros, microsToDecimal } from '../domain/api-money';
import { RequestReplyClient } from '../request-reply/request-reply.client';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

/** Who an offer search without a key is asked for (matching answers everyone alike). */
const ANONYMOUS_TENANT = 'anonymous';

export const OfferQuerySchema = z.strictObject({
  gpuProduct: z.string().max(500).optional().describe('Comma-separated GPU products'),
  minGpuMemoryGb: z.coerce.number().int().min(1).max(1024).optional(),
  region: z.string().max(500).optional().describe('Comma-separated regions'),
  interconnect: z.string().max(100).optional(),
  minGpusPerNode: z.coerce.number().int().min(1).max(64).optional().describe('GPUs the node has, at least'),
  minFreeGpus: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .optional()
    .describe('GPUs free to rent now, at least (default 1; 0 lists fully booked nodes too)'),
  maxPricePerGpuHour: z
    .string()
    .regex(/^(0|[1-9]\d{0,12})(\.\d{1,6})?$/, 'must be a decimal amount of USD such as "2.50"')
    .optional()
    .describe('The most the client pays per GPU-hour on demand (ask plus fee)'),
  verifiedOnly: z.enum(['true', 'false']).optional(),
  minReliability: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Lowest reliability score accepted, 0–1 (docs/reliability.md)'),
  sort: z.enum(['price', 'perf-per-dollar', 'reliability']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(500).optional(),
});

const amount = z.string().describe('USD per GPU-hour, a decimal string such as "2.30"');

export const OfferPageSchema = z.object({
  items: z.array(
    z.object({
      cluster: z.string(),
      node: z.string(),
      region: z.string(),
      gpuProduct: z.string(),
      gpuMemoryGb: z.number(),
      gpus: z.number().int().describe('GPUs the node has'),
      freeGpus: z
        .number()
        .int()
        .describe('GPUs free to rent now: what Kubernetes can place, less what Gridex has reserved'),
      interconnect: z.string(),
      verified: z.boolean(),
      reliability: z.number().describe('The reliability score, 0–1 (docs/reliability.md)'),
      reliabilityParts: z
        .object({
          uptime24h: z.number(),
          uptime7d: z.number(),
          uptime30d: z.number(),
          faults30d: z.number().int(),
          faultPenalty: z.number(),
        })
        .nullable()
        .describe('What the score is made of: uptime per window (0–1) and the penalty for recent faults'),
      network: z
        .string()
        .nullable()
        .describe('The other compute network offering it; null on Gridex capacity'),
      pricePerGpuHour: amount
        .nullable()
        .describe('What the client pays per GPU-hour on demand: the ask plus the fee; null when not offered'),
      askPerGpuHour: amount.nullable().describe("The supplier's ask (what the supplier is paid)"),
      feePerGpuHour: amount.nullable().describe("Gridex's fee: its take rate on the ask"),
      interruptiblePricePerGpuHour: amount.nullable(),
      interruptibleAskPerGpuHour: amount.nullable(),
      interruptibleFeePerGpuHour: amount.nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

const decimal = (amount: Money | undefined) => (amount ? microsToDecimal(BigInt(amount.micros)) : null);

function offerView(o: Offer) {
  return {
    cluster: o.clusterId,
    node: o.nodeName,
    region: o.region,
    gpuProduct: o.gpuProduct,
    gpuMemoryGb: Math.round((o.gpuMemoryMiB / 1024) * 10) / 10,
    gpus: o.gpus,
    freeGpus: o.freeGpus,
    interconnect: o.interconnect,
    verified: o.verification === 'verified',
    reliability: o.reliabilityBasisPoints / 10_000,
    reliabilityParts: o.reliability
      ? {
          uptime24h: o.reliability.uptime24hBps / 10_000,
          uptime7d: o.reliability.uptime7dBps / 10_000,
          uptime30d: o.reliability.uptime30dBps / 10_000,
          faults30d: o.reliability.faults30d,
          faultPenalty: o.reliability.faultPenaltyBps / 10_000,
        }
      : null,
    network: o.networkId ?? null,
    pricePerGpuHour: decimal(o.onDemand?.price),
    askPerGpuHour: decimal(o.onDemand?.ask),
    feePerGpuHour: decimal(o.onDemand?.fee),
    interruptiblePricePerGpuHour: decimal(o.interruptible?.price),
    interruptibleAskPerGpuHour: decimal(o.interruptible?.ask),
    interruptibleFeePerGpuHour: decimal(o.interruptible?.fee),
  };
}

/**
 * The sellable offers, searched by matching in its order book (request-reply over Kafka): free GPUs net of
 * Gridex's reservations, at the price the client pays. Anyone may browse them, without a key (limited per
 * address); placing work needs one.
 */
@ApiTag('Market')
@Controller('v1/offers')
@UseGuards(ApiKeyGuard)
@Roles('client', 'supplier', 'operator')
@Public()
export class OffersController {
  constructor(@Inject(RequestReplyClient) private readonly replies: RequestReplyClient) {}

  @ApiOperation({
    operationId: 'searchOffers',
    summary:
      'Search sellable offers (gpuProduct, region, minGpuMemoryGb, maxPricePerGpuHour, verifiedOnly, sort, cursor)',
    query: OfferQuerySchema,
    response: OfferPageSchema,
    errors: [400, 504],
  })
  @Get()
  async offers(
    @Caller() caller: Principal | undefined,
    @Query() raw: unknown,
  ): Promise<z.infer<typeof OfferPageSchema>> {
    const q = validated(OfferQuerySchema, raw, 'REQUEST.INVALID', 'the offer search is invalid');
    const query: Record<string, string> = {};
    if (q.gpuProduct) query.gpuProduct = q.gpuProduct;
    if (q.minGpuMemoryGb) query.minGpuMemoryMiB = String(q.minGpuMemoryGb * 1024);
    if (q.region) query.region = q.region;
    if (q.interconnect) query.interconnect = q.interconnect;
    if (q.minGpusPerNode) query.minGpusPerNode = String(q.minGpusPerNode);
    if (q.minFreeGpus !== undefined) query.minFreeGpus = String(q.minFreeGpus);
    if (q.maxPricePerGpuHour)
      query.maxPricePerGpuHourMicros = decimalToMicros(q.maxPricePerGpuHour).toString();
    if (q.verifiedOnly) query.verifiedOnly = q.verifiedOnly;
    if (q.minReliability !== undefined)
      query.minReliabilityBps = String(Math.round(q.minReliability * 10_000));
    if (q.sort) query.sort = q.sort;
    if (q.limit) query.limit = String(q.limit);
    if (q.cursor) query.cursor = q.cursor;
    const answer = await this.replies.ask<OffersRequestedPayload, OffersAnsweredPayload>(
      OffersRequested,
      { tenantId: caller?.tenantId ?? ANONYMOUS_TENANT, query },
      currentCorrelation()?.correlationId ?? uuidv7(),
    );
    if (answer.problem) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        answer.problem.code,
        answer.problem.detail,
        answer.problem.errors,
      );
    }
    return { items: answer.items.map(offerView), nextCursor: answer.nextCursor ?? null };
  }
}
