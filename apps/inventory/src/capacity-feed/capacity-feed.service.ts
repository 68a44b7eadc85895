import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CapacityChanged, CapacityChangedPayload, createEvent, EventOrigin, uuidv7 } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { InventoryTables } from '../database/inventory-tables';
import { OfferTerms } from '../domain/offer-rules';
import {
  RELIABILITY_WINDOWS,
  reliabilityReport,
  ReliabilityScore,
  reliabilityScore,
} from '../domain/reliability';
import { capacityStateOf, NodeRecord } from './capacity-state';

/**
 * Publishes the capacity feed: after any change that affects what a node sells, its complete new state goes to
 * the outbox, in the transaction of the change, with the node's revision raised by one.
 */
@Injectable()
export class CapacityFeedService {
  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  /** Re-publishes the given nodes' states within `tx`. */
  async publish(
    tx: EntityManager,
    nodeIds: string[],
    origin: EventOrigin | ((nodeId: string) => EventOrigin),
    now = Date.now(),
  ): Promise<void> {
    const originFor = typeof origin === 'function' ? origin : () => origin;
    if (nodeIds.length === 0) return;
    const nodes: Array<Record<string, unknown>> = await tx.query(
      // (A CTE because TypeORM returns [rows, count] for a bare UPDATE … RETURNING.)
      `WITH changed AS (UPDATE ${this.tables.nodes} SET revision = revision + 1 WHERE node_id = ANY($1::uuid[]) RETURNING *)
       SELECT node_id, revision, cluster_id, node_name, supplier_id, pool, region, gpu_product, gpu_count,
                 gpu_memory_mib, interconnect, ready, allocatable_gpus, removed, verification, benchmark_score,
                 extract(epoch from first_seen_at) * 1000 AS first_seen_ms
       FROM changed`,
      [nodeIds],
    );
    const reliability = await this.reliabilityOf(
      tx,
      nodes.map((n) => ({ nodeId: n.node_id as string, firstSeenMs: Number(n.first_seen_ms) })),
      now,
    );
    const suppliers = new Map<string, NonNullable<Parameters<typeof capacityStateOf>[1]['supplierKind']>>(
      (
        await tx.query(`SELECT supplier_id, kind FROM ${this.tables.suppliers} WHERE supplier_id = ANY($1)`, [
          [...new Set(nodes.map((n) => n.supplier_id as string))],
        ])
      ).map((row: { supplier_id: string; kind: 'datacenter' | 'individual' | 'network' }) => [
        row.supplier_id,
        row.kind,
      ]),
    );
    const pools: Array<{ supplier_id: string; pool: string; paused: boolean }> = await tx.query(
      `SELECT supplier_id, pool, paused FROM ${this.tables.pools} WHERE supplier_id = ANY($1)`,
      [[...suppliers.keys(), ...nodes.map((n) => n.supplier_id as string)]],
    );
    const faults = new Map<string, number>(
      (
        await tx.query(
          `SELECT supplier_id, count(*)::int AS faults FROM ${this.tables.supplierFaults}
           WHERE supplier_id = ANY($1) AND at > $2 GROUP BY supplier_id`,
          [
            [...new Set(nodes.map((n) => n.supplier_id as string))],
            new Date(now - RELIABILITY_WINDOWS['30d']),
          ],
        )
      ).map((row: { supplier_id: string; faults: number }) => [row.supplier_id, row.faults]),
    );
    const offers = await this.offersFor(
      tx,
      nodes.map((n) => n.supplier_id as string),
    );

    const events = nodes.map((row) => {
      const node: NodeRecord = {
        nodeId: row.node_id as string,
        revision: row.revision as number,
        clusterId: row.cluster_id as string,
        nodeName: row.node_name as string,
        supplierId: row.supplier_id as string,
        pool: row.pool as string,
        region: row.region as string,
        gpuProduct: row.gpu_product as string,
        gpuCount: row.gpu_count as number,
        gpuMemoryMiB: row.gpu_memory_mib as number,
        interconnect: row.interconnect as NodeRecord['interconnect'],
        ready: row.ready as boolean,
        allocatableGpus: row.allocatable_gpus as number,
        removed: row.removed as boolean,
        verification: row.verification as NodeRecord['verification'],
        ...(row.benchmark_score === null ? {} : { benchmarkScore: row.benchmark_score as number }),
      };
      const payload = capacityStateOf(node, {
        supplierKind: suppliers.get(node.supplierId),
        poolPaused: pools.some((p) => p.supplier_id === node.supplierId && p.pool === node.pool && p.paused),
        offer: offers.get(`${node.supplierId}/${node.pool}`),
        reliability: reliability.get(node.nodeId) as ReliabilityScore,
        supplierFaults30d: faults.get(node.supplierId) ?? 0,
        now,
      });
      return {
        contract: CapacityChanged,
        event: createEvent(CapacityChanged, payload, originFor(node.nodeId), new Date(now)),
      };
    });
    await this.recordInBook(
      tx,
      events.map(({ event }) => event.payload),
    );
    await this.outbox.append(tx, events);
  }

  /**
   * Each node's reliability score (`domain/reliability.ts`) from its Ready transitions over the last 30 days
   * (plus the last one before, the state the window starts in) and the faults charged to it in that time.
   */
  async reliabilityOf(
    tx: EntityManager,
    nodes: ReadonlyArray<{ nodeId: string; firstSeenMs: number }>,
    now: number,
  ): Promise<Map<string, ReliabilityScore>> {
    const nodeIds = nodes.map((n) => n.nodeId);
    const since = new Date(now - RELIABILITY_WINDOWS['30d']);
    const readinessTable = this.tables.nodeReadiness;
    const readiness: Array<{ node_id: string; at_ms: string; ready: boolean }> = await tx.query(
      `(SELECT node_id, extract(epoch from at) * 1000 AS at_ms, ready FROM ${readinessTable}
         WHERE node_id = ANY($1::uuid[]) AND at >= $2)
       UNION ALL
       (SELECT DISTINCT ON (node_id) node_id, extract(epoch from at) * 1000 AS at_ms, ready FROM ${readinessTable}
         WHERE node_id = ANY($1::uuid[]) AND at < $2 ORDER BY node_id, at DESC)`,
      [nodeIds, since],
    );
    const faults: Array<{ node_id: string; faults: number }> = await tx.query(
      `SELECT node_id, count(*)::int AS faults FROM ${this.tables.supplierFaults}
       WHERE node_id = ANY($1::uuid[]) AND at > $2 GROUP BY node_id`,
      [nodeIds, since],
    );
    const transitions = new Map<string, Array<{ at: number; ready: boolean }>>();
    for (const r of readiness) {
      const list = transitions.get(r.node_id);
      const transition = { at: Number(r.at_ms), ready: r.ready };
      if (list) list.push(transition);
      else transitions.set(r.node_id, [transition]);
    }
    const faultsOf = new Map(faults.map((f) => [f.node_id, f.faults]));
    return new Map(
      nodes.map(({ nodeId, firstSeenMs }) => [
        nodeId,
        reliabilityScore(
          reliabilityReport(
            { observedSince: firstSeenMs, transitions: transitions.get(nodeId) ?? [], heartbeatGaps: [] },
            now,
          ),
          faultsOf.get(nodeId) ?? 0,
        ),
      ]),
    );
  }

  /**
   * Recomputes the reliability of up to `limit` live nodes after `afterNodeId` (node id order) and republishes
   * those whose score moved: uptime windows slide with time, and a fault ages out after 30 days, though the node
   * itself did not change. Returns the last node id looked at (undefined once past the last node).
   */
  async refreshReliability(
    tx: EntityManager,
    afterNodeId: string | undefined,
    limit: number,
    now = Date.now(),
  ): Promise<{ lastNodeId?: string; republished: number }> {
    const rows: Array<{ node_id: string; first_seen_ms: string; reliability_bps: number }> = await tx.query(
      `SELECT n.node_id, extract(epoch from n.first_seen_at) * 1000 AS first_seen_ms, b.reliability_bps
       FROM ${this.tables.nodes} n JOIN ${this.tables.capacityBook} b ON b.node_id = n.node_id
       WHERE NOT n.removed AND ($1::uuid IS NULL OR n.node_id > $1) ORDER BY n.node_id LIMIT $2`,
      [afterNodeId ?? null, limit],
    );
    if (rows.length === 0) return { republished: 0 };
    const scores = await this.reliabilityOf(
      tx,
      rows.map((r) => ({ nodeId: r.node_id, firstSeenMs: Number(r.first_seen_ms) })),
      now,
    );
    const moved = rows
      .filter((r) => scores.get(r.node_id)?.scoreBps !== r.reliability_bps)
      .map((r) => r.node_id);
    await this.publish(tx, moved, { correlationId: uuidv7(), causationId: null }, now);
    return { lastNodeId: rows[rows.length - 1].node_id, republished: moved.length };
  }

  /** Re-publishes a supplier's nodes (of one pool, if given); removed nodes only when asked. */
  async publishSupplierNodes(
    tx: EntityManager,
    scope: { supplierId: string; pool?: string; includeRemoved?: boolean },
    origin: EventOrigin,
  ): Promise<void> {
    const nodes: Array<{ node_id: string }> = await tx.query(
      `SELECT node_id FROM ${this.tables.nodes}
       WHERE supplier_id = $1 AND ($2::text IS NULL OR pool = $2) AND ($3 OR NOT removed)`,
      [scope.supplierId, scope.pool ?? null, scope.includeRemoved ?? false],
    );
    await this.publish(
      tx,
      nodes.map((node) => node.node_id),
      origin,
    );
  }

  /**
   * Publishes states made elsewhere (another network's capacity, which has no node rows of its own): into the
   * capacity book and the outbox, within `tx`.
   */
  async publishStates(
    tx: EntityManager,
    states: CapacityChangedPayload[],
    origin: EventOrigin,
  ): Promise<void> {
    if (states.length === 0) return;
    await this.recordInBook(tx, states);
    await this.outbox.append(
      tx,
      states.map((state) => ({
        contract: CapacityChanged,
        event: createEvent(CapacityChanged, state, origin),
      })),
    );
  }

  /** Keeps the capacity book equal to what the feed says, in the same transaction. */
  private async recordInBook(tx: EntityManager, states: CapacityChangedPayload[]): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.tables.capacityBook} (node_id, revision, supplier_id, gpu_product, gpu_memory_mib, region,
         interconnect, gpus, schedulable, verification, reliability_bps, price_micros, perf_per_price, state)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS b(node_id uuid, revision int, supplier_id text, gpu_product text,
         gpu_memory_mib int, region text, interconnect text, gpus int, schedulable boolean, verification text,
         reliability_bps int, price_micros bigint, perf_per_price double precision, state jsonb)
       ON CONFLICT (node_id) DO UPDATE SET revision = excluded.revision, supplier_id = excluded.supplier_id,
         gpu_product = excluded.gpu_product, gpu_memory_mib = excluded.gpu_memory_mib, region = excluded.region,
         interconnect = excluded.interconnect, gpus = excluded.gpus, schedulable = excluded.schedulable,
         verification = excluded.verification, reliability_bps = excluded.reliability_bps,
         price_micros = excluded.price_micros, perf_per_price = excluded.perf_per_price, state = excluded.state`,
      [
        JSON.stringify(
          states.map((state) => ({
            node_id: state.nodeId,
            revision: state.revision,
            supplier_id: state.supplierId,
            gpu_product: state.gpuProduct,
            gpu_memory_mib: state.gpuMemoryMiB,
            region: state.region,
            interconnect: state.interconnect,
            gpus: state.gpus,
            schedulable: state.schedulable,
            verification: state.verification,
            reliability_bps: state.reliabilityBasisPoints,
            price_micros: state.pricePerGpuHour?.micros ?? null,
            perf_per_price: performancePerPrice(state),
            state,
          })),
        ),
      ],
    );
  }

  private async offersFor(tx: EntityManager, supplierIds: string[]): Promise<Map<string, OfferTerms>> {
    const rows: Array<Record<string, unknown>> = await tx.query(
      `SELECT supplier_id, pool, currency, price_micros::text, interruptible_price_micros::text, min_lease_seconds,
              max_lease_seconds, extract(epoch from valid_from) * 1000 AS valid_from_ms,
              extract(epoch from valid_until) * 1000 AS valid_until_ms, node_overrides
       FROM ${this.tables.offers} WHERE supplier_id = ANY($1)`,
      [[...new Set(supplierIds)]],
    );
    return new Map(
      rows.map((row) => [
        `${row.supplier_id}/${row.pool}`,
        {
          supplierId: row.supplier_id as string,
          pool: row.pool as string,
          currency: row.currency as string,
          pricePerGpuHourMicros: BigInt(row.price_micros as string),
          ...(row.interruptible_price_micros === null
            ? {}
            : { interruptiblePricePerGpuHourMicros: BigInt(row.interruptible_price_micros as string) }),
          minLeaseSeconds: row.min_lease_seconds as number,
          ...(row.max_lease_seconds === null ? {} : { maxLeaseSeconds: row.max_lease_seconds as number }),
          validFrom: Number(row.valid_from_ms),
          ...(row.valid_until_ms === null ? {} : { validUntil: Number(row.valid_until_ms) }),
          nodeOverrides: (row.node_overrides as Array<{ nodeName: string; micros: string }>).map((o) => ({
            nodeName: o.nodeName,
            pricePerGpuHourMicros: BigInt(o.micros),
          })),
        } satisfies OfferTerms,
      ]),
    );
  }
}

/**
 * Benchmark points per GPU bought with one currency unit per hour: the "performance per dollar" ordering. A
 * float is fine here: it only orders search results, it never becomes money.
 */
function performancePerPrice(state: CapacityChangedPayload): number | null {
  if (state.benchmarkScore === undefined || state.pricePerGpuHour === undefined || state.gpus === 0)
    return null;
  return state.benchmarkScore / state.gpus / (Number(state.pricePerGpuHour.micros) / 1_000_000);
}
