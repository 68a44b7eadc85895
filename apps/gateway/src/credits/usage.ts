import { Controller, Get, Inject, Injectable, Query, UseGuards } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { EventEnvelope, IdSchema, UsageSettled, UsageSettledPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents, decodeCursor, nextCursor, pageQueryFields, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { microsToDecimal } from '../domain/api-money';
import { MoneyTables } from './balance.handlers';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

/**
 * Billing settled a reservation: its usage joins the tenant's usage, and each supplier's share that supplier's
 * earnings (once per reservation and node).
 */
@Injectable()
@ConsumesEvents()
export class UsageSettledHandler implements EventHandler<UsageSettledPayload> {
  readonly name = 'gateway.usage-settled';
  readonly contract = UsageSettled;

  constructor(@Inject(MoneyTables) private readonly tables: MoneyTables) {}

  async handle(event: EventEnvelope<UsageSettledPayload>, tx: EntityManager): Promise<void> {
    const u = event.payload;
    await tx.query(
      `INSERT INTO ${this.tables.usage} (reservation_id, job_id, tenant_id, gpu_seconds, charged_micros, settled_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [u.reservationId, u.jobId, u.tenantId, u.gpuSeconds, u.chargedMicros, u.settledAt],
    );
    if (u.supplierShares.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.tables.supplierEarnings} (settlement_id, node_id, supplier_id, job_id, gpu_seconds,
         amount_micros, settled_at)
       SELECT $1, node_id, supplier_id, $2, gpu_seconds, amount, $3
       FROM unnest($4::uuid[], $5::text[], $6::bigint[], $7::bigint[]) AS s(node_id, supplier_id, gpu_seconds, amount)
       ON CONFLICT DO NOTHING`,
      [
        u.settlementId,
        u.jobId,
        u.settledAt,
        u.supplierShares.map((share) => share.nodeId),
        u.supplierShares.map((share) => share.supplierId),
        u.supplierShares.map((share) => share.gpuSeconds),
        u.supplierShares.map((share) => share.amountMicros),
      ],
    );
  }
}

export const UsageQuerySchema = z.strictObject({
  jobId: IdSchema.optional(),
  ...pageQueryFields(),
});
export const UsagePageSchema = z.object({
  items: z.array(z.object({ jobId: z.string(), gpuSeconds: z.number().int(), amount: z.string() })),
  nextCursor: z.string().nullable(),
});

/** Settled usage per job (all of a job's placements together), in USD; `jobId` narrows to one job. */
@ApiTag('Billing')
@Controller('v1/usage')
@UseGuards(ApiKeyGuard)
@Roles('client')
export class UsageController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MoneyTables) private readonly tables: MoneyTables,
  ) {}

  @ApiOperation({
    operationId: 'listUsage',
    summary: 'Settled usage per job, in USD (`jobId` for one job; `limit`, `cursor`)',
    query: UsageQuerySchema,
    response: UsagePageSchema,
    errors: [400],
  })
  @Get()
  async usage(@Caller() caller: Principal, @Query() query: unknown) {
    const q = validated(UsageQuerySchema, query, 'REQUEST.INVALID', 'the usage query is invalid');
    const [after] = decodeCursor(q.cursor) ?? [null];
    const rows: Array<{ job_id: string; gpu_seconds: string; charged: string }> = await this.dataSource.query(
      `SELECT job_id, sum(gpu_seconds)::text AS gpu_seconds, sum(charged_micros)::text AS charged
       FROM ${this.tables.usage}
       WHERE tenant_id = $1 AND ($2::text IS NULL OR job_id = $2) AND ($3::text IS NULL OR job_id > $3)
       GROUP BY job_id ORDER BY job_id LIMIT $4`,
      [caller.tenantId, q.jobId ?? null, after, q.limit],
    );
    return {
      items: rows.map((r) => ({
        jobId: r.job_id,
        gpuSeconds: Number(r.gpu_seconds),
        amount: microsToDecimal(BigInt(r.charged)),
      })),
      nextCursor: nextCursor(rows, q.limit, (row) => [row.job_id]),
    };
  }
}

export const EarningsSchema = z.object({
  total: z.string().describe('USD earned from settled work, all time'),
  jobs: z.number().int(),
  gpuSeconds: z.number().int(),
});

/** A supplier's earnings from settled work (its share: its ask × its GPU-seconds), in USD. */
@ApiTag('Suppliers')
@Controller('v1/suppliers/me')
@UseGuards(ApiKeyGuard)
@Roles('supplier')
export class SupplierEarningsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MoneyTables) private readonly tables: MoneyTables,
  ) {}

  @ApiOperation({
    operationId: 'getSupplierEarnings',
    summary: "The calling supplier's earnings from settled work, in USD",
    response: EarningsSchema,
  })
  @Get('earnings')
  async earnings(@Caller() caller: Principal): Promise<z.infer<typeof EarningsSchema>> {
    const [row]: Array<{ total: string | null; jobs: string; gpu_seconds: string | null }> =
      await this.dataSource.query(
        `SELECT sum(amount_micros)::text AS total, count(DISTINCT job_id)::text AS jobs,
           sum(gpu_seconds)::text AS gpu_seconds
         FROM ${this.tables.supplierEarnings} WHERE supplier_id = $1`,
        [caller.tenantId],
      );
    return {
      total: microsToDecimal(BigInt(row?.total ?? 0)),
      jobs: Number(row?.jobs ?? 0),
      gpuSeconds: Number(row?.gpu_seconds ?? 0),
    };
  }
}
