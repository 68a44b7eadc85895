import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  BenchmarkCompleted,
  BenchmarkCompletedPayload,
  causedBy,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
} from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';
import { judgeBenchmark } from '../domain/verification';

/**
 * Judges a benchmark result against the reference of the GPU the node declares. A node that fails is not offered
 * to clients that ask for verified capacity, never sold at all (see isSellable), and counts as a supplier fault.
 */
@Injectable()
@ConsumesEvents()
export class RecordBenchmarkHandler implements EventHandler<BenchmarkCompletedPayload> {
  readonly name = 'inventory.record-benchmark';
  readonly contract = BenchmarkCompleted;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<BenchmarkCompletedPayload>, tx: EntityManager): Promise<void> {
    const result = event.payload;
    const [verification] = await tx.query(
      `SELECT v.status, n.supplier_id, n.gpu_product, n.gpu_count FROM ${this.tables.verifications} v
       JOIN ${this.tables.nodes} n ON n.node_id = v.node_id WHERE v.verification_id = $1 FOR UPDATE OF v`,
      [result.verificationId],
    );
    if (!verification) {
      throw new RejectedEventError(
        `no verification ${result.verificationId} was requested`,
        'INVENTORY.UNKNOWN_VERIFICATION',
      );
    }
    if (verification.status !== 'pending') return; // already judged
    const judged =
      result.outcome === 'measured'
        ? judgeBenchmark(verification.gpu_product, verification.gpu_count, result.score ?? 0)
        : ({ status: 'failed', reason: result.detail ?? 'benchmark failed' } as const);
    const detail = judged.status === 'failed' ? judged.reason : null;
    await tx.query(
      `UPDATE ${this.tables.verifications} SET status = $2, score = $3, detail = $4, completed_at = $5
       WHERE verification_id = $1`,
      [result.verificationId, judged.status, result.score ?? null, detail, result.completedAt],
    );
    await tx.query(
      `UPDATE ${this.tables.nodes} SET verification = $2, benchmark_score = $3, verified_at = $4 WHERE node_id = $1`,
      [result.nodeId, judged.status, result.score ?? null, result.completedAt],
    );
    if (judged.status === 'failed') {
      await tx.query(
        `INSERT INTO ${this.tables.supplierFaults} (fault_id, supplier_id, node_id, kind, detail, at)
         VALUES ($1, $2, $3, 'failed-verification', $4, $5) ON CONFLICT (fault_id) DO NOTHING`,
        [
          deterministicUuid(IdNamespaces.verification, result.verificationId, 'fault'),
          verification.supplier_id,
          result.nodeId,
          detail,
          result.completedAt,
        ],
      );
    }
    await this.feed.publish(tx, [result.nodeId], causedBy(event));
  }
}
