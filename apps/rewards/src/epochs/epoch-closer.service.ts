import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EpochClosed } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import {
  EmissionCandidate,
  epochBudget,
  EmissionSchedule,
  splitEmission,
  stakeMultiplierBps,
} from '../domain/emission';
import { epochBounds } from '../domain/epochs';
import { gpuClassOf, requiredStake } from '../domain/gpu-class';
import { bondedAccountSql, emissionPostings } from '../domain/token-ledger';
import { closeEpoch } from '../domain/uptime';
import { RewardsTables } from '../rewards-tables';
import { TokenLedger } from '../tokens/token-ledger';
import { EpochClock } from './epoch-clock';

interface NodeForEpoch {
  node_id: string;
  supplier_id: string;
  gpu_product: string;
  gpus: number;
  verified: boolean;
  online: boolean;
  online_since: Date | null;
  accrued_ms: string;
  staked_units: string | null;
  auto_compound: boolean | null;
}

export interface ClosedEpoch {
  epochNumber: number;
  budgetUnits: bigint;
  distributedUnits: bigint;
  eligibleNodes: number;
  nodes: number;
}

/**
 * Closes every epoch that has ended, oldest first, each in one transaction: it locks the clock and every node,
 * takes each node's uptime for the epoch, decides eligibility (verified, online at least REWARDS_MIN_UPTIME_BPS
 * of the epoch, staked at least its class minimum × GPUs), splits the schedule's budget exactly
 * (`domain/emission.ts`), stores every node's inputs and share (`epoch_nodes`, so any epoch can be recomputed),
 * posts the tokens as one ledger transaction (restaked into the node's `bonded` account for auto-compounding
 * nodes, to the supplier's `available` otherwise) and announces `epoch-closed`. Set-wise
 * statements throughout: the cost is a few passes over the node table, whatever its size.
 */
@Injectable()
export class EpochCloser implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly schedule: EmissionSchedule;
  private readonly closed;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(EpochClock) private readonly clock: EpochClock,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
    @Inject(SERVICE_CONFIG) private readonly config: RewardsConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.schedule = {
      initialPerEpoch: config.REWARDS_EMISSION_INITIAL_UNITS,
      decayBps: config.REWARDS_EMISSION_DECAY_BPS,
      decayEveryEpochs: config.REWARDS_EMISSION_DECAY_EVERY_EPOCHS,
    };
    this.closed = metrics.counter('epochs_closed_total', 'Emission epochs closed');
    this.task = new PeriodicTask(
      new Logger(EpochCloser.name),
      'epoch close',
      config.REWARDS_EPOCH_CHECK_SECONDS * 1000,
      () => this.closeEnded().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Closes every ended epoch; returns what each close did. */
  async closeEnded(now = new Date()): Promise<ClosedEpoch[]> {
    const closed: ClosedEpoch[] = [];
    for (;;) {
      const result = await this.dataSource.transaction((tx) => this.closeOne(tx, now));
      if (!result) return closed;
      closed.push(result);
    }
  }

  private async closeOne(tx: EntityManager, now: Date): Promise<ClosedEpoch | undefined> {
    await this.clock.openEpoch(tx, now);
    const [{ open_epoch: epoch }]: Array<{ open_epoch: number }> = await tx.query(
      `SELECT open_epoch FROM ${this.tables.epochClock} FOR UPDATE`,
    );
    const { start, end } = epochBounds(this.tables.calendar, epoch);
    if (end.getTime() > now.getTime()) return undefined;
    const rows: NodeForEpoch[] = await tx.query(
      `SELECT n.node_id, n.supplier_id, n.gpu_product, n.gpus, n.verified, n.online, n.online_since, n.accrued_ms,
         b.balance_units AS staked_units, s.auto_compound
       FROM ${this.tables.nodes} n LEFT JOIN ${this.tables.stakes} s ON s.node_id = n.node_id
         LEFT JOIN ${this.ledger.tables.balances} b ON b.account = ${bondedAccountSql('n.node_id')}
       ORDER BY n.node_id FOR UPDATE OF n`,
    );
    const lengthMs = end.getTime() - start.getTime();
    const minOnlineMs = Math.ceil((lengthMs * this.config.REWARDS_MIN_UPTIME_BPS) / 10_000);
    const inputs = rows.map((row) => {
      const { onlineMs } = closeEpoch(
        { online: row.online, onlineSince: row.online_since ?? undefined, accruedMs: Number(row.accrued_ms) },
        end,
      );
      const stake = BigInt(row.staked_units ?? 0);
      const multiplier = stakeMultiplierBps(
        stake,
        requiredStake(this.tables.classes, row.gpu_product, row.gpus),
        this.config.REWARDS_STAKE_MULTIPLIER_CAP_BPS,
      );
      const gpuClass = gpuClassOf(this.tables.classes, row.gpu_product);
      const eligible = row.verified && onlineMs >= minOnlineMs && multiplier > 0;
      return { row, onlineMs, stake, multiplier, gpuClass, eligible };
    });
    const candidates: EmissionCandidate[] = inputs
      .filter((i) => i.eligible)
      .map((i) => ({
        nodeId: i.row.node_id,
        classWeight: this.tables.classes.weight[i.gpuClass],
        gpus: i.row.gpus,
        onlineMs: i.onlineMs,
        stakeMultiplierBps: i.multiplier,
      }));
    const budget = epochBudget(this.schedule, epoch);
    const shares = new Map(splitEmission(budget, candidates).map((s) => [s.nodeId, s]));
    const distributed = [...shares.values()].reduce((sum, s) => sum + s.units, 0n);

    // Inputs and outputs, stored together (one statement).
    await tx.query(
      `INSERT INTO ${this.tables.epochNodes} (epoch_number, node_id, supplier_id, gpu_class, gpus, verified, online_ms,
         stake_units, multiplier_bps, eligible, weight, units, compounded)
       SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::bool[], $7::bigint[], $8::bigint[],
         $9::int[], $10::bool[], $11::numeric[], $12::bigint[], $13::bool[])`,
      [
        epoch,
        inputs.map((i) => i.row.node_id),
        inputs.map((i) => i.row.supplier_id),
        inputs.map((i) => i.gpuClass),
        inputs.map((i) => i.row.gpus),
        inputs.map((i) => i.row.verified),
        inputs.map((i) => i.onlineMs),
        inputs.map((i) => i.stake.toString()),
        inputs.map((i) => i.multiplier),
        inputs.map((i) => i.eligible),
        inputs.map((i) => (shares.get(i.row.node_id)?.weight ?? 0n).toString()),
        inputs.map((i) => (shares.get(i.row.node_id)?.units ?? 0n).toString()),
        inputs.map((i) => Boolean(i.row.auto_compound) && (shares.get(i.row.node_id)?.units ?? 0n) > 0n),
      ],
    );
    // The next epoch starts from zero; nodes online now count from its start.
    await tx.query(
      `UPDATE ${this.tables.nodes} SET accrued_ms = 0, online_since = CASE WHEN online THEN $1::timestamptz END`,
      [end],
    );
    // Rewards, as one ledger transaction: restaked for auto-compounding nodes, to the supplier otherwise.
    const emission = emissionPostings(
      inputs.map((i) => ({
        supplierId: i.row.supplier_id,
        nodeId: i.row.node_id,
        units: shares.get(i.row.node_id)?.units ?? 0n,
        compounded: Boolean(i.row.auto_compound),
      })),
    );
    if (emission.length > 0) {
      await this.ledger.post(tx, {
        kind: 'emission',
        reference: `epoch:${epoch}`,
        occurredAt: end,
        postings: emission,
      });
    }
    await tx.query(
      `INSERT INTO ${this.tables.epochs} (epoch_number, starts_at, ends_at, budget_units, distributed_units,
         eligible_nodes, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [epoch, start, end, budget.toString(), distributed.toString(), candidates.length, now],
    );
    await tx.query(`UPDATE ${this.tables.epochClock} SET open_epoch = $1`, [epoch + 1]);
    await this.outbox.emit(
      tx,
      EpochClosed,
      {
        epochNumber: epoch,
        startsAt: start.toISOString(),
        endsAt: end.toISOString(),
        budgetUnits: budget.toString(),
        distributedUnits: distributed.toString(),
        eligibleNodes: candidates.length,
        closedAt: now.toISOString(),
      },
      { correlationId: `epoch-${epoch}`, causationId: null },
      now,
    );
    this.closed.inc();
    return {
      epochNumber: epoch,
      budgetUnits: budget,
      distributedUnits: distributed,
      eligibleNodes: candidates.length,
      nodes: rows.length,
    };
  }
}
