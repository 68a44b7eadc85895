import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { MatchingTables } from '../database/matching-tables';
import { OfferBook } from '../domain/offer-book';

/**
 * Brings the reservations in the database (the authority, shared by all replicas) into this process's book:
 * all of them at start, then the rows changed since the last look every MATCHING_RESERVATION_SYNC_MS (what other
 * replicas reserved and released), and all of them again every MATCHING_FULL_RESYNC_MS. The full pass heals what
 * the incremental one cannot see: a change whose sequence number was drawn before one already read but committed
 * after it, and the book's own tentative reservations from a transaction that rolled back.
 */
@Injectable()
export class ReservationSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReservationSync.name);
  /** Reserved GPUs per node as last read, also for nodes the book does not have yet. */
  private readonly known = new Map<string, number>();
  private lastSeq = 0n;
  private timers: NodeJS.Timeout[] = [];
  private running = false;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MatchingTables) private readonly tables: MatchingTables,
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = (ms: number, task: () => Promise<void>) =>
      this.timers.push(
        setInterval(() => {
          if (this.running) return;
          this.running = true;
          task()
            .catch((error: Error) => this.logger.warn(`reservation sync failed: ${error.message}`))
            .finally(() => (this.running = false));
        }, ms),
      );
    every(this.config.MATCHING_RESERVATION_SYNC_MS, () => this.syncChanges());
    every(this.config.MATCHING_FULL_RESYNC_MS, () => this.loadAll());
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  async loadAll(): Promise<void> {
    const rows: Array<{ node_id: string; reserved_gpus: number; change_seq: string }> =
      await this.dataSource.query(
        `SELECT node_id, reserved_gpus, change_seq FROM ${this.tables.nodeReservations}`,
      );
    for (const node of this.book.nodes()) {
      if (node.reservedGpus > 0) this.book.setReserved(node.nodeId, 0);
    }
    this.known.clear();
    this.applyRows(rows);
  }

  async syncChanges(): Promise<void> {
    const rows: Array<{ node_id: string; reserved_gpus: number; change_seq: string }> =
      await this.dataSource.query(
        `SELECT node_id, reserved_gpus, change_seq FROM ${this.tables.nodeReservations}
       WHERE change_seq > $1 ORDER BY change_seq`,
        [this.lastSeq.toString()],
      );
    this.applyRows(rows);
  }

  /** Applies what the database says for nodes just read under lock (by a placement or a release). */
  noteReserved(nodeId: string, reservedGpus: number): void {
    this.known.set(nodeId, reservedGpus);
    this.book.setReserved(nodeId, reservedGpus);
  }

  /** A node that just entered the book takes the reservations already recorded for it. */
  applyKnown(nodeId: string): void {
    const reserved = this.known.get(nodeId);
    if (reserved !== undefined) this.book.setReserved(nodeId, reserved);
  }

  private applyRows(rows: Array<{ node_id: string; reserved_gpus: number; change_seq: string }>): void {
    for (const row of rows) {
      this.known.set(row.node_id, row.reserved_gpus);
      this.book.setReserved(row.node_id, row.reserved_gpus);
      const seq = BigInt(row.change_seq);
      if (seq > this.lastSeq) this.lastSeq = seq;
    }
  }
}
