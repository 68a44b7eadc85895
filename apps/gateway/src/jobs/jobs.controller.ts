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
import { createEvent, JobCancelled, JobSubmitted, uuidv7 } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ProblemException } from '@gridex/runtime';
import { commandOrigin } from '../commands/command-origin';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { microsToDecimal } from '../domain/api-money';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { parseBody } from '../openapi/validation';
import { JobsTable, JobRow } from './jobs-table';
import { jobSubmitted, JobSpecSchema } from './job-spec';

const PageSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const JobViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.enum(['queued', 'matched', 'running', 'succeeded', 'failed', 'cancelled', 'expired']),
  reason: z.string().nullable(),
  pricePerGpuHour: z.string().nullable().describe('USD per GPU-hour fixed at match time'),
  allocation: z
    .object({ nodes: z.array(z.object({ cluster: z.string(), node: z.string(), gpus: z.number().int() })) })
    .nullable(),
  submittedAt: z.string(),
  timeline: z.array(z.object({ at: z.string(), event: z.string(), detail: z.string().optional() })),
});

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/**
 * Clients submit, list, read and cancel jobs. Submitting and cancelling are commands: the job row and its event
 * go to the database in one transaction (the outbox publishes the event). Reads come from the gateway's own
 * read model, kept by the job-status handlers from matching's, the orchestrator's and billing's events. A job of
 * another tenant answers 404, as if it did not exist.
 */
@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('client')
export class JobsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(JobsTable) private readonly jobs: JobsTable,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@Caller() caller: Principal, @Body() body: unknown) {
    const spec = parseBody(JobSpecSchema, body);
    const jobId = `job-${uuidv7()}`;
    const now = new Date();
    const payload = jobSubmitted(spec, jobId, caller.tenantId);
    const origin = commandOrigin(caller.tenantId);
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.jobs.table} (job_id, tenant_id, name, spec, status, submitted_at, updated_at, timeline)
         VALUES ($1, $2, $3, $4, 'queued', $5, $5, $6)`,
        [
          jobId,
          caller.tenantId,
          spec.name ?? null,
          JSON.stringify(spec),
          now,
          JSON.stringify([{ at: now.toISOString(), event: 'submitted' }]),
        ],
      );
      await this.outbox.append(tx, [
        { contract: JobSubmitted, event: createEvent(JobSubmitted, payload, origin, now) },
      ]);
    });
    return { id: jobId, status: 'queued' };
  }

  @Get()
  async list(@Caller() caller: Principal, @Query() query: unknown) {
    const page = PageSchema.safeParse(query);
    if (!page.success) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'REQUEST.INVALID',
        'the paging parameters are invalid',
      );
    }
    const after = page.data.cursor ? Buffer.from(page.data.cursor, 'base64url').toString('utf8') : null;
    const rows: JobRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.jobs.table} WHERE tenant_id = $1 AND ($2::text IS NULL OR job_id < $2)
       ORDER BY job_id DESC LIMIT $3`,
      [caller.tenantId, after, page.data.limit],
    );
    return {
      items: rows.map((row) => this.view(row)),
      nextCursor:
        rows.length === page.data.limit
          ? Buffer.from(rows[rows.length - 1].job_id).toString('base64url')
          : null,
    };
  }

  @Get(':jobId')
  async get(@Caller() caller: Principal, @Param('jobId') jobId: string) {
    return this.view(await this.own(caller, jobId));
  }

  @Post(':jobId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  async cancel(@Caller() caller: Principal, @Param('jobId') jobId: string) {
    const now = new Date();
    return this.dataSource.transaction(async (tx) => {
      const [row]: JobRow[] = await tx.query(
        `SELECT * FROM ${this.jobs.table} WHERE job_id = $1 AND tenant_id = $2 FOR UPDATE`,
        [jobId, caller.tenantId],
      );
      if (!row) throw notFound();
      if (TERMINAL.has(row.status)) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'JOB.ALREADY_ENDED',
          `the job has already ${row.status}`,
        );
      }
      // A queued job is cancelled at once; a placed one when the orchestrator reports its workload stopped.
      await tx.query(
        `UPDATE ${this.jobs.table} SET status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
           updated_at = $2, timeline = timeline || $3::jsonb WHERE job_id = $1`,
        [jobId, now, JSON.stringify([{ at: now.toISOString(), event: 'cancel-requested' }])],
      );
      await this.outbox.append(tx, [
        {
          contract: JobCancelled,
          event: createEvent(
            JobCancelled,
            { jobId, requestedAt: now.toISOString() },
            commandOrigin(caller.tenantId),
            now,
          ),
        },
      ]);
      return { id: jobId, status: row.status === 'queued' ? 'cancelled' : row.status };
    });
  }

  private async own(caller: Principal, jobId: string): Promise<JobRow> {
    const [row]: JobRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.jobs.table} WHERE job_id = $1 AND tenant_id = $2`,
      [jobId, caller.tenantId],
    );
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
      allocation: row.allocation ? { nodes: row.allocation } : null,
      submittedAt: new Date(row.submitted_at).toISOString(),
      timeline: row.timeline,
    };
  }
}

function notFound(): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, 'JOB.NOT_FOUND', 'no such job');
}
