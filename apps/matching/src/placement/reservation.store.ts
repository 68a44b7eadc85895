import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MatchingTables } from '../database/matching-tables';
import { PreemptibleReservation } from '../domain/preemption';

/** One node's share of a reservation, as stored (money as decimal strings of micro-units). */
export interface StoredAllocation {
  nodeId: string;
  nodeName: string;
  clusterId: string;
  supplierId: string;
  gpus: number;
  askMicros: string;
  priceMicros: string;
}

export interface NewReservation {
  reservationId: string;
  jobId: string;
  tenantId: string;
  attempt: number;
  tier: 'on-demand' | 'interruptible';
  allocations: StoredAllocation[];
  hourlyValueMicros: bigint;
  createdAt: Date;
}

/** A node's change of reserved GPUs (negative to give back). */
export interface CounterChange {
  nodeId: string;
  gpus: number;
}

/**
 * Reservations and the per-node reservation counters: the authority every replica shares on what is reserved.
 * Counter rows are always locked in node-id order, so a placement and a release never deadlock.
 */
@Injectable()
export class ReservationStore {
  constructor(@Inject(MatchingTables) private readonly tables: MatchingTables) {}

  async insert(tx: EntityManager, r: NewReservation): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.tables.reservations}
         (reservation_id, job_id, tenant_id, attempt, tier, state, allocations, hourly_value_micros, created_at)
       VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8)`,
      [
        r.reservationId,
        r.jobId,
        r.tenantId,
        r.attempt,
        r.tier,
        JSON.stringify(r.allocations),
        r.hourlyValueMicros.toString(),
        r.createdAt,
      ],
    );
  }

  /** Releases an active reservation; its allocations, or undefined when it was not active (released once). */
  async release(
    tx: EntityManager,
    reservationId: string,
    reason: string,
    at: Date,
  ): Promise<StoredAllocation[] | undefined> {
    const released: Array<{ allocations: StoredAllocation[] }> = await tx.query(
      `WITH released AS (
         UPDATE ${this.tables.reservations} SET state = 'released', released_at = $2, release_reason = $3
         WHERE reservation_id = $1 AND state = 'active' RETURNING allocations)
       SELECT allocations FROM released`,
      [reservationId, at, reason],
    );
    return released[0]?.allocations;
  }

  /** Marks a victim released by preemption (the caller holds its lock and moves its counters). */
  async markPreempted(tx: EntityManager, reservationId: string, at: Date): Promise<void> {
    await tx.query(
      `UPDATE ${this.tables.reservations} SET state = 'released', released_at = $2, release_reason = 'preempted'
       WHERE reservation_id = $1`,
      [reservationId, at],
    );
  }

  async allocationsOf(tx: EntityManager, reservationId: string): Promise<StoredAllocation[]> {
    const rows: Array<{ allocations: StoredAllocation[] }> = await tx.query(
      `SELECT allocations FROM ${this.tables.reservations} WHERE reservation_id = $1`,
      [reservationId],
    );
    return rows[0]?.allocations ?? [];
  }

  /** Active interruptible reservations, cheapest first: the work on-demand jobs may stop. */
  async preemptible(tx: EntityManager): Promise<PreemptibleReservation[]> {
    const rows: Array<{ reservation_id: string; job_id: string; allocations: StoredAllocation[] }> =
      await tx.query(
        `SELECT reservation_id, job_id, allocations FROM ${this.tables.reservations}
         WHERE state = 'active' AND tier = 'interruptible' ORDER BY hourly_value_micros LIMIT 10000`,
      );
    return rows.map((row) => ({
      reservationId: row.reservation_id,
      jobId: row.job_id,
      allocations: row.allocations.map((a) => ({
        nodeId: a.nodeId,
        gpus: a.gpus,
        priceMicros: BigInt(a.priceMicros),
      })),
    }));
  }

  /** Locks the reservations that are still active among these; how many were. */
  async lockActive(tx: EntityManager, reservationIds: string[]): Promise<number> {
    const rows: Array<{ reservation_id: string }> = await tx.query(
      `SELECT reservation_id FROM ${this.tables.reservations}
       WHERE reservation_id = ANY($1::uuid[]) AND state = 'active' ORDER BY reservation_id FOR UPDATE`,
      [reservationIds],
    );
    return rows.length;
  }

  /** Locks the counters of these nodes (creating missing ones at zero); their reserved GPUs now. */
  async lockCounters(
    tx: EntityManager,
    nodeIds: string[],
  ): Promise<Array<{ node_id: string; reserved_gpus: number }>> {
    await tx.query(
      `INSERT INTO ${this.tables.nodeReservations} (node_id, reserved_gpus, change_seq)
       SELECT id, 0, nextval('${this.tables.nodeReservationChanges}') FROM unnest($1::uuid[]) AS id
       ON CONFLICT (node_id) DO NOTHING`,
      [nodeIds],
    );
    return tx.query(
      `SELECT node_id, reserved_gpus FROM ${this.tables.nodeReservations}
       WHERE node_id = ANY($1::uuid[]) ORDER BY node_id FOR UPDATE`,
      [nodeIds],
    );
  }

  /** Locks existing counters only (a release: its nodes' rows exist since their placement). */
  async lockExistingCounters(tx: EntityManager, nodeIds: string[]): Promise<void> {
    await tx.query(
      `SELECT 1 FROM ${this.tables.nodeReservations} WHERE node_id = ANY($1::uuid[]) ORDER BY node_id FOR UPDATE`,
      [nodeIds],
    );
  }

  /** Applies counter changes to locked rows; the new counts of the rows that changed. */
  async applyCounterChanges(
    tx: EntityManager,
    changes: CounterChange[],
  ): Promise<Array<{ node_id: string; reserved_gpus: number }>> {
    return tx.query(
      `WITH changed AS (
         UPDATE ${this.tables.nodeReservations} AS n
         SET reserved_gpus = n.reserved_gpus + c.gpus,
             change_seq = nextval('${this.tables.nodeReservationChanges}')
         FROM unnest($1::uuid[], $2::int[]) AS c(node_id, gpus)
         WHERE n.node_id = c.node_id AND c.gpus <> 0
         RETURNING n.node_id, n.reserved_gpus)
       SELECT node_id, reserved_gpus FROM changed`,
      [changes.map((c) => c.nodeId), changes.map((c) => c.gpus)],
    );
  }
}
