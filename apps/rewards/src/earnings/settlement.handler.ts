import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, UsageSettled, UsageSettledPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { RewardsTables } from '../rewards-tables';

/**
 * Billing settled a reservation: each supplier's share becomes its earnings, one row per (settlement, node), and
 * its balance grows by exactly the shares recorded now (a redelivered settlement adds nothing).
 */
@Injectable()
@ConsumesEvents()
export class EarnOnSettlementHandler implements EventHandler<UsageSettledPayload> {
  readonly name = 'rewards.earn-on-settlement';
  readonly contract = UsageSettled;

  constructor(@Inject(RewardsTables) private readonly tables: RewardsTables) {}

  async handle(event: EventEnvelope<UsageSettledPayload>, tx: EntityManager): Promise<void> {
    await this.handleBatch([event], tx);
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<UsageSettledPayload>>,
    tx: EntityManager,
  ): Promise<void> {
    const shares = events.flatMap((event) =>
      event.payload.supplierShares.map((share) => ({ settlement: event.payload, share })),
    );
    if (shares.length === 0) return;
    await tx.query(
      `WITH recorded AS (
         INSERT INTO ${this.tables.earnings} (settlement_id, node_id, supplier_id, job_id, reservation_id, gpu_seconds,
           amount_micros, settled_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::bigint[], $7::bigint[],
           $8::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING supplier_id, amount_micros)
       INSERT INTO ${this.tables.accounts} (supplier_id, earned_micros)
       SELECT supplier_id, sum(amount_micros) FROM recorded GROUP BY supplier_id ORDER BY supplier_id
       ON CONFLICT (supplier_id) DO UPDATE
         SET earned_micros = ${this.tables.accounts}.earned_micros + EXCLUDED.earned_micros`,
      [
        shares.map((s) => s.settlement.settlementId),
        shares.map((s) => s.share.nodeId),
        shares.map((s) => s.share.supplierId),
        shares.map((s) => s.settlement.jobId),
        shares.map((s) => s.settlement.reservationId),
        shares.map((s) => s.share.gpuSeconds),
        shares.map((s) => s.share.amountMicros),
        shares.map((s) => s.settlement.settledAt),
      ],
    );
  }
}
