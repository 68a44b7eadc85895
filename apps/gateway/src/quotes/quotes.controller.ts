import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { z } from 'zod';
import { QuoteAnsweredPayload, QuoteRequested, QuoteRequestedPayload, uuidv7 } from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { matchReasons } from '../domain/match-reasons';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { microsToDecimal } from '../domain/api-money';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { JobSpecSchema, placementOf, refuseDisallowedImage } from '../jobs/job-spec';
import { GatewayConfig } from '../config/gateway.config';
import { parseBody } from '../openapi/validation';
import { RequestReplyClient } from '../request-reply/request-reply.client';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const QuoteSchema = z.object({
  feasible: z.boolean(),
  reasons: z.array(z.string()).describe('Why nothing fits, and what to relax (empty when feasible)'),
  estimatedCost: z.string().nullable().describe('USD for the expected duration, when feasible'),
  offers: z.array(
    z.object({
      cluster: z.string(),
      node: z.string(),
      region: z.string(),
      gpuProduct: z.string(),
      gpus: z.number().int(),
      pricePerGpuHour: z.string(),
      network: z
        .string()
        .nullable()
        .describe('The other compute network it would run on; null on Gridex capacity'),
    }),
  ),
});

/** Quotes: what a job would get now and cost, or why nothing fits — answered by matching over Kafka. */
@ApiTag('Market')
@Controller('v1/quotes')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('client')
export class QuotesController {
  constructor(
    @Inject(RequestReplyClient) private readonly replies: RequestReplyClient,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @ApiOperation({
    operationId: 'quoteJob',
    summary:
      'What a job would get now: feasible or not, the offers and estimated cost, or the reasons nothing fits',
    request: JobSpecSchema,
    response: QuoteSchema,
    errors: [400, 409, 422, 504],
  })
  @Post()
  @HttpCode(HttpStatus.OK)
  async quote(@Caller() caller: Principal, @Body() body: unknown): Promise<z.infer<typeof QuoteSchema>> {
    const spec = parseBody(JobSpecSchema, body);
    refuseDisallowedImage(spec, this.config.GATEWAY_ALLOWED_REGISTRIES);
    const answer = await this.replies.ask<QuoteRequestedPayload, QuoteAnsweredPayload>(
      QuoteRequested,
      { tenantId: caller.tenantId, ...placementOf(spec) },
      currentCorrelation()?.correlationId ?? uuidv7(),
    );
    return {
      feasible: answer.feasible,
      reasons: matchReasons(answer),
      estimatedCost: answer.estimatedCost ? microsToDecimal(BigInt(answer.estimatedCost.micros)) : null,
      offers: (answer.allocations ?? []).map((a) => ({
        cluster: a.clusterId,
        node: a.nodeName,
        region: a.region,
        gpuProduct: a.gpuProduct,
        gpus: a.gpus,
        pricePerGpuHour: microsToDecimal(BigInt(a.pricePerGpuHour.micros)),
        network: a.networkId ?? null,
      })),
    };
  }
}
