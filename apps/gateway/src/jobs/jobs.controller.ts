import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { JobCancelled, JobSubmitted, uuidv7 } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import {
  decodeCursor,
  nextCursor,
  pageQueryFields,
  ProblemException,
  SERVICE_CONFIG,
  validated,
} from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';
import { commandOrigin } from '../commands/command-origin';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { microsToDecimal } from '../domain/api-money';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { parseBody } from '../openapi/validation';
import { JOB_STATUSES, jobStatusChange } from '../domain/job-status';
import { JobRow, JobStore, statusViewOf } from './job.store';
import { jobSubmitted, JobSpecSchema, refuseDisallowedImage } from './job-spec';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const JobPageQuerySchema = z.strictObject(pageQueryFields());

const ScoredOfferSchema = z.object({
  node: z.string(),
  region: z.string(),
  supplier: z.string(),
  network: z.string().nullable(),
  pricePerGpuHour: z.string().describe('USD per GPU-hour the client would pay there'),
  score: z
    .object({
      price: z.number(),
      perfPerDollar: z.number(),
      reliability: z.number(),
      preferredRegion: z.number(),
      loadSpread: z.number(),
      packing: z.number(),
      total: z.number(),
    })
    .describe('Weighted terms of the score (floats that order offers, never money)'),
});

export const JobAcceptedSchema = z.object({ id: z.string(), status: z.enum(JOB_STATUSES) });

export const JobViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  reason: z.string().nullable(),
  pricePerGpuHour: z.string().nullable().describe('USD per GPU-hour fixed at match time'),
  allocation: z
    .object({
      nodes: z.array(
        z.object({
          cluster: z.string(),
          node: z.string(),
          gpus: z.number().int(),
          network: z
            .string()
            .nullable()
            .describe('The other compute network the member runs on; null on Gridex capacity'),
        }),
      ),
    })
    .nullable(),
  explanation: z
    .object({
      chosen: ScoredOfferSchema,
      runnerUp: ScoredOfferSchema.nullable().describe(
        'The best offer on other nodes; null when there was none',
      ),
    })
    .nullable()
    .describe('Why the job landed where it did, term by term (the higher total wins); null before a match'),
  submittedAt: z.string(),
  startedAt: z
    .string()
    .nullable()
    .describe(
      "When the current placement's workload started (every gang member running); usage is metered from here",
    ),
  finishedAt: z
    .string()
    .nullable()
    .describe(
      "When the current placement's workload ended; usage is metered to here (whole seconds, rounded up)",
    ),
  timeline: z.array(z.object({ at: z.string(), event: z.string(), detail: z.string().optional() })),
});
export const JobPageSchema = z.object({ items: z.array(JobViewSchema), nextCursor: z.string().nullable() });

/**
 * Clients submit, list, read and cancel jobs. Submitting and cancelling are commands: the job row and its event
 * go to the database in one transaction (the outbox publishes the event). Reads come from the gateway's own
 * read model, kept by the job-status handlers from matching's, the orchestrator's and billing's events. A job of
 * another tenant answers 404, as if it did not exist.
 */
@ApiTag('Jobs')
@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('client')
export class JobsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @ApiOperation({
    operationId: 'submitJob',
    summary: 'Submit a job; it is matched, queued or explained asynchronously (poll GET /v1/jobs/{jobId})',
    request: JobSpecSchema,
    response: JobAcceptedSchema,
    errors: [400, 409, 422],
  })
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@Caller() caller: Principal, @Body() body: unknown) {
    const spec = parseBody(JobSpecSchema, body);
    refuseDisallowedImage(spec, this.config.GATEWAY_ALLOWED_REGISTRIES);
    const jobId = `job-${uuidv7()}`;
    const now = new Date();
    const payload = jobSubmitted(spec, jobId, caller.tenantId);
    const origin = commandOrigin(caller.tenantId);
    await this.dataSource.transaction(async (tx) => {
      await this.jobs.insertSubmitted(tx, {
        jobId,
        tenantId: caller.tenantId,
        name: spec.name ?? null,
        spec,
        at: now,
      });
      await this.outbox.emit(tx, JobSubmitted, payload, origin, now);
    });
    return { id: jobId, status: 'queued' };
  }

  @ApiOperation({
    operationId: 'listJobs',
    summary: "The caller's jobs, newest first (cursor pagination: `limit`, `cursor`)",
    query: JobPageQuerySchema,
    response: JobPageSchema,
    errors: [400],
  })
  @Get()
  async list(@Caller() caller: Principal, @Query() query: unknown) {
    const page = validated(JobPageQuerySchema, query, 'REQUEST.INVALID', 'the paging parameters are invalid');
    const [after] = decodeCursor(page.cursor) ?? [null];
    const rows = await this.jobs.page(caller.tenantId, after, page.limit);
    return {
      items: rows.map((row) => this.view(row)),
      nextCursor: nextCursor(rows, page.limit, (row) => [row.job_id]),
    };
  }

  @ApiOperation({
    operationId: 'getJob',
    summary: "A job: status, allocation, price and timeline (another tenant's job answers 404)",
    response: JobViewSchema,
    errors: [404],
  })
  @Get(':jobId')
  async get(@Caller() caller: Principal, @Param('jobId') jobId: string) {
    return this.view(await this.own(caller, jobId));
  }

  @ApiOperation({
    operationId: 'cancelJob',
    summary: 'Cancel a job (a queued job at once; a running one when its workload has stopped)',
    response: JobAcceptedSchema,
    errors: [404, 409],
  })
  @Post(':jobId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  async cancel(@Caller() caller: Principal, @Param('jobId') jobId: string) {
    const now = new Date();
    return this.dataSource.transaction(async (tx) => {
      const row = await this.jobs.lockOwn(tx, caller.tenantId, jobId);
      if (!row) throw notFound();
      const change = jobStatusChange(statusViewOf(row), { kind: 'cancel-requested' });
      if (!change) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'JOB.ALREADY_ENDED',
          `the job has already ${row.status}`,
        );
      }
      await this.jobs.apply(tx, jobId, change, now.toISOString());
      await this.outbox.emit(
        tx,
        JobCancelled,
        { jobId, requestedAt: now.toISOString() },
        commandOrigin(caller.tenantId),
        now,
      );
      return { id: jobId, status: change.status ?? row.status };
    });
  }

  private async own(caller: Principal, jobId: string): Promise<JobRow> {
    const row = await this.jobs.findOwn(caller.tenantId, jobId);
    if (!row) throw notFound();
    return row;
  }

  private view(row: JobRow): z.infer<typeof JobViewSchema> {
    return {
      id: row.job_id,
      name: row.name,
      status: row.status,
      reason: row.reason,
      pricePerGpuHour:
        row.price_per_gpu_hour_micros === null
          ? null
          : microsToDecimal(BigInt(row.price_per_gpu_hour_micros)),
      allocation: row.allocation
        ? { nodes: row.allocation.map((member) => ({ ...member, network: member.network ?? null })) }
        : null,
      explanation: row.explanation ?? null,
      submittedAt: new Date(row.submitted_at).toISOString(),
      startedAt: row.started_at && row.started_at.toISOString(),
      finishedAt: row.finished_at && row.finished_at.toISOString(),
      timeline: row.timeline,
    };
  }
}

function notFound(): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, 'JOB.NOT_FOUND', 'no such job');
}
