import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { z } from 'zod';
import { GpuProductSchema, money } from '@gridex/contracts';
import { ProblemException } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { idempotencyKeyFrom } from '../credits/compute-credits.controller';
import { decimalAmountSchema, decimalToMicros, toApiUnits } from '../domain/api-money';
import { gpuHoursFromSeconds, gpuSecondsFromHours } from '../domain/gpu-hours';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ServiceClient } from '../internal/service-client';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const CommitmentRequestSchema = z.strictObject({
  gpuProduct: GpuProductSchema,
  gpuHours: z
    .string()
    .regex(/^[1-9]\d{0,6}$/, 'must be a whole number of GPU-hours such as "500"')
    .describe('Whole GPU-hours committed'),
  askPerGpuHour: decimalAmountSchema('USD', '2.10').describe("The supplier's price per GPU-hour, locked in"),
  availableUntil: z.iso.datetime({ offset: true }).describe('End of the period; credits expire then'),
});
export const CommitmentSchema = z.object({
  commitmentId: z.string(),
  gpuProduct: z.string(),
  gpuHours: z.string(),
  gpuHoursSold: z.string().describe('Sold as compute credits'),
  gpuHoursUsed: z.string().describe('Used by jobs the credits paid for (and paid to the supplier)'),
  askPerGpuHour: z.string().describe('USD'),
  creditPricePerGpuHour: z.string().describe('USD: what clients pay (the ask plus the platform take)'),
  availableUntil: z.string(),
  createdAt: z.string(),
});
export const CommitmentPageSchema = z.object({ items: z.array(CommitmentSchema) });

interface CommitmentAnswer {
  gpuSeconds: number;
  gpuSecondsSold: number;
  gpuSecondsUsed: number;
  [field: string]: unknown;
}

function commitmentView({ gpuSeconds, gpuSecondsSold, gpuSecondsUsed, ...rest }: CommitmentAnswer) {
  return toApiUnits({
    ...rest,
    supplierId: undefined,
    gpuHours: gpuHoursFromSeconds(gpuSeconds),
    gpuHoursSold: gpuHoursFromSeconds(gpuSecondsSold),
    gpuHoursUsed: gpuHoursFromSeconds(gpuSecondsUsed),
  });
}

/**
 * A supplier commits capacity — GPU-hours of one GPU product until a date, at an ask — that clients then buy as
 * compute credits at a price locked now; the supplier is paid its ask as the credits are used on its nodes.
 * The commitment must be one the supplier's nodes can serve: nodes of the product, and no more GPU-hours than
 * their GPUs have until the end of the period.
 */
@ApiTag('Suppliers')
@Controller('v1/suppliers/me/commitments')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('supplier')
export class CommitmentsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  @ApiOperation({
    operationId: 'createCommitment',
    summary:
      'Commit GPU-hours of a GPU product until a date at an ask; clients buy them as compute credits (Idempotency-Key required)',
    request: CommitmentRequestSchema,
    response: CommitmentSchema,
    errors: [400, 422, 503],
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  async commit(
    @Caller() caller: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = idempotencyKeyFrom(idempotencyKey);
    const request = parseBody(CommitmentRequestSchema, body);
    const gpuSeconds = gpuSecondsFromHours(request.gpuHours);
    const nodes = await this.services.json<{ items: Array<{ gpuProduct: string; gpus: number }> }>(
      'inventory',
      `/v1/suppliers/${encodeURIComponent(caller.tenantId)}/nodes`,
    );
    const gpus = nodes.items
      .filter((node) => node.gpuProduct === request.gpuProduct)
      .reduce((sum, node) => sum + node.gpus, 0);
    const periodSeconds = Math.max(0, (Date.parse(request.availableUntil) - Date.now()) / 1000);
    if (gpus === 0 || gpuSeconds > gpus * periodSeconds) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'COMPUTE_CREDIT.CAPACITY_NOT_HELD',
        gpus === 0
          ? `none of your nodes has ${request.gpuProduct} GPUs`
          : `your ${gpus} ${request.gpuProduct} GPUs cannot serve ${request.gpuHours} GPU-hours before ${request.availableUntil}`,
        [{ field: gpus === 0 ? 'gpuProduct' : 'gpuHours', message: 'more than your nodes can serve' }],
      );
    }
    const commitment = await this.services.json<CommitmentAnswer>('billing', this.path(caller), {
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: {
        gpuProduct: request.gpuProduct,
        gpuSeconds,
        askPerGpuHour: money('USD', decimalToMicros(request.askPerGpuHour)),
        availableUntil: request.availableUntil,
      },
    });
    return commitmentView(commitment);
  }

  @ApiOperation({
    operationId: 'listCommitments',
    summary: "The supplier's capacity commitments with the GPU-hours sold and used",
    response: CommitmentPageSchema,
    errors: [503],
  })
  @Get()
  async list(@Caller() caller: Principal) {
    const page = await this.services.json<{ items: CommitmentAnswer[] }>('billing', this.path(caller));
    return { items: page.items.map(commitmentView) };
  }

  private path(caller: Principal): string {
    return `/v1/suppliers/${encodeURIComponent(caller.tenantId)}/commitments`;
  }
}
