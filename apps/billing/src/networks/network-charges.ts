import { Controller, Get, Inject, Injectable, Query } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  EventEnvelope,
  NetworkChargeReported,
  NetworkChargeReportedPayload,
  NetworkIdSchema,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents, decodeCursor, nextCursor, pageQueryFields, validated } from '@gridex/runtime';
import { reconcile } from '../domain/network-reconciliation';
import { ChargeWithMeter, NetworkChargeStore } from './network-charges.store';

/** Another network reported what it charged for a job: kept for reconciliation (the payable is the meter's). */
@Injectable()
@ConsumesEvents()
export class RecordNetworkChargeHandler implements EventHandler<NetworkChargeReportedPayload> {
  readonly name = 'billing.record-network-charge';
  readonly contract = NetworkChargeReported;

  constructor(@Inject(NetworkChargeStore) private readonly charges: NetworkChargeStore) {}

  async handle(event: EventEnvelope<NetworkChargeReportedPayload>, tx: EntityManager): Promise<void> {
    await this.charges.record(tx, event.payload);
  }
}

const ReconciliationQuerySchema = z.strictObject({
  networkId: NetworkIdSchema.optional(),
  ...pageQueryFields({ maxLimit: 500 }),
});

/** One placement's reconciliation, money in micro-units (the gateway writes them as decimals). */
export function reconciliationLine(row: ChargeWithMeter) {
  const networkSupplier = `network:${row.network_id}`;
  const result = reconcile(
    row.nodes && row.charged_seconds !== null
      ? {
          nodes: row.nodes
            .filter((n) => n.supplierId === networkSupplier)
            .map((n) => ({ gpus: n.gpus, askPerGpuHourMicros: BigInt(n.askPerGpuHourMicros) })),
          chargedSeconds: row.charged_seconds,
          settled: row.settled_at !== null,
        }
      : undefined,
    { gpuSeconds: Number(row.gpu_seconds), chargedMicros: BigInt(row.charged_micros) },
  );
  return {
    networkId: row.network_id,
    jobId: row.job_id,
    reservationId: row.reservation_id,
    externalJobId: row.external_job_id,
    currency: row.currency,
    gpuSeconds: { metered: result.meteredGpuSeconds, charged: Number(row.gpu_seconds) },
    owedMicros: result.owedMicros.toString(),
    chargedMicros: row.charged_micros,
    differenceMicros: result.differenceMicros.toString(),
    status: result.status,
    reason: result.reason,
    reportedAt: new Date(row.reported_at).toISOString(),
  };
}

/**
 * Finance's reconciliation of other networks: for every job a network ran, what it charged against what Gridex
 * metered and owes it (`domain/network-reconciliation.ts`), each line flagged `matches`, `rounding`,
 * `mismatch` or `not-settled`.
 */
@Controller('v1/finance/networks')
export class NetworkReconciliationController {
  constructor(@Inject(NetworkChargeStore) private readonly charges: NetworkChargeStore) {}

  @Get('reconciliation')
  async reconciliation(@Query() query: unknown) {
    const q = validated(ReconciliationQuerySchema, query, 'BILLING.INVALID_QUERY', 'the query is invalid');
    const after = decodeCursor(q.cursor, 2) as [string, string] | undefined;
    const rows = await this.charges.page(q.networkId, after, q.limit);
    const items = rows.map(reconciliationLine);
    return {
      items,
      mismatches: items.filter((item) => item.status === 'mismatch').length,
      nextCursor: nextCursor(rows, q.limit, (row) => [
        new Date(row.reported_at).toISOString(),
        row.reservation_id,
      ]),
    };
  }
}
