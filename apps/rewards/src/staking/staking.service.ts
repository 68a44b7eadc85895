import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { deterministicUuid, IdNamespaces, uuidv7 } from '@gridex/contracts';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { requiredStake } from '../domain/gpu-class';
import { NodeStake, released, RewardsError, stake, StakePolicy, unstake } from '../domain/staking';
import {
  bondedAccountSql,
  requireFunds,
  stakePostings,
  TokenAccounts,
  unstakePostings,
  withdrawalPostings,
} from '../domain/token-ledger';
import { lockSupplier, RewardsTables } from '../rewards-tables';
import { TokenLedger } from '../tokens/token-ledger';

interface StakeRow {
  staked_units: string;
  auto_compound: boolean;
  last_unstake_at: Date | null;
}

/** The stakes table's settings with the node's bonded balance from the ledger, as `staked_units`. */
const bondedOf = (ledger: TokenLedger, stakes = 's') =>
  `coalesce((SELECT b.balance_units FROM ${ledger.tables.balances} b
     WHERE b.account = ${bondedAccountSql(`${stakes}.node_id`)}), 0)`;

function stakeView(nodeId: string, row: StakeRow, required: bigint): StakeView {
  return {
    nodeId,
    stakedUnits: String(row.staked_units),
    requiredUnits: required.toString(),
    eligible: BigInt(row.staked_units) >= required,
    autoCompound: row.auto_compound,
    lastUnstakeAt: row.last_unstake_at ? new Date(row.last_unstake_at).toISOString() : null,
  };
}

export interface StakeView {
  nodeId: string;
  stakedUnits: string;
  requiredUnits: string;
  eligible: boolean;
  autoCompound: boolean;
  lastUnstakeAt: string | null;
}

/**
 * Stakes, unstakes and withdrawals for a supplier's nodes (the rules are `domain/staking.ts`, the movements
 * `domain/token-ledger.ts`). A stake moves tokens the supplier holds (`available`: emissions, deposits, withdrawn
 * unbondings) into the node's `bonded` account; an unstake moves them to `unbonding`; a withdrawal of a matured
 * unbonding moves them back to `available`. Each change locks the supplier, then the node's stake row, so
 * concurrent requests apply one after the other.
 */
@Injectable()
export class StakingService {
  private readonly policy: StakePolicy;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
    @Inject(SERVICE_CONFIG) config: RewardsConfig,
  ) {
    this.policy = {
      unbondingMs: config.REWARDS_UNBONDING_SECONDS * 1000,
      unstakeCooldownMs: config.REWARDS_UNSTAKE_COOLDOWN_SECONDS * 1000,
    };
  }

  async stake(
    supplierId: string,
    nodeId: string,
    units: bigint,
    autoCompound: boolean | undefined,
  ): Promise<StakeView> {
    return this.dataSource.transaction(async (tx) => {
      const { current, required } = await this.lockNode(tx, supplierId, nodeId);
      stake(current, units, required);
      const available = await this.ledger.balancesOf(tx, [TokenAccounts.available(supplierId)]);
      requireFunds('stake', units, available.get(TokenAccounts.available(supplierId)) ?? 0n);
      await this.ledger.post(tx, {
        kind: 'stake',
        reference: uuidv7(),
        occurredAt: new Date(),
        postings: stakePostings(supplierId, nodeId, units),
      });
      if (autoCompound !== undefined) {
        await tx.query(`UPDATE ${this.tables.stakes} SET auto_compound = $2 WHERE node_id = $1`, [
          nodeId,
          autoCompound,
        ]);
      }
      return this.view(tx, nodeId, required);
    });
  }

  async unstake(
    supplierId: string,
    nodeId: string,
    units: bigint,
    now = new Date(),
  ): Promise<StakeView & { unbonding: { units: string; releaseAt: string } }> {
    return this.dataSource.transaction(async (tx) => {
      const { current, required } = await this.lockNode(tx, supplierId, nodeId);
      const { unbonding } = unstake(current, units, this.policy, now);
      const unbondingId = deterministicUuid(IdNamespaces.unbonding, nodeId, now.toISOString());
      await tx.query(`UPDATE ${this.tables.stakes} SET last_unstake_at = $2 WHERE node_id = $1`, [
        nodeId,
        now,
      ]);
      await tx.query(
        `INSERT INTO ${this.tables.unbondings} (unbonding_id, node_id, supplier_id, units, release_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [unbondingId, nodeId, supplierId, units.toString(), unbonding.releaseAt],
      );
      await this.ledger.post(tx, {
        kind: 'unstake',
        reference: unbondingId,
        occurredAt: now,
        postings: unstakePostings(supplierId, nodeId, units),
      });
      return {
        ...(await this.view(tx, nodeId, required)),
        unbonding: { units: units.toString(), releaseAt: unbonding.releaseAt.toISOString() },
      };
    });
  }

  /** Moves every matured unbonding of the supplier back to its `available` tokens; returns the units withdrawn. */
  async withdraw(supplierId: string, now = new Date()): Promise<bigint> {
    return this.dataSource.transaction(async (tx) => {
      await lockSupplier(tx, this.tables, supplierId);
      const rows: Array<{ unbonding_id: string; units: string; release_at: Date }> = await tx.query(
        `SELECT unbonding_id, units, release_at FROM ${this.tables.unbondings}
         WHERE supplier_id = $1 AND withdrawn_at IS NULL ORDER BY unbonding_id FOR UPDATE`,
        [supplierId],
      );
      const matured = released(
        rows.map((row) => ({
          units: BigInt(row.units),
          releaseAt: new Date(row.release_at),
          id: row.unbonding_id,
        })),
        now,
      );
      if (matured.length === 0) return 0n;
      const total = matured.reduce((sum, u) => sum + u.units, 0n);
      await tx.query(
        `UPDATE ${this.tables.unbondings} SET withdrawn_at = $2 WHERE unbonding_id = ANY($1::uuid[])`,
        [matured.map((u) => u.id), now],
      );
      // One transaction per unbonding (named by it), so a withdrawal can never apply an unbonding twice.
      await this.ledger.postMany(
        tx,
        matured.map((u) => ({
          kind: 'withdrawal' as const,
          reference: u.id,
          occurredAt: now,
          postings: withdrawalPostings(supplierId, u.units),
        })),
      );
      return total;
    });
  }

  async list(supplierId: string): Promise<{
    stakes: StakeView[];
    unbondings: Array<{ nodeId: string; units: string; releaseAt: string; withdrawn: boolean }>;
  }> {
    const manager = this.dataSource.manager;
    // One query for all the supplier's stakes (not one per node).
    const rows: Array<StakeRow & { node_id: string; gpu_product: string; gpus: number }> =
      await manager.query(
        `SELECT n.node_id, n.gpu_product, n.gpus, ${bondedOf(this.ledger)} AS staked_units,
         s.auto_compound, s.last_unstake_at
       FROM ${this.tables.nodes} n JOIN ${this.tables.stakes} s ON s.node_id = n.node_id
       WHERE n.supplier_id = $1 ORDER BY n.node_id`,
        [supplierId],
      );
    const stakes = rows.map((row) =>
      stakeView(row.node_id, row, requiredStake(this.tables.classes, row.gpu_product, row.gpus)),
    );
    const unbondings: Array<{ node_id: string; units: string; release_at: Date; withdrawn_at: Date | null }> =
      await manager.query(
        `SELECT node_id, units, release_at, withdrawn_at FROM ${this.tables.unbondings}
         WHERE supplier_id = $1 ORDER BY release_at`,
        [supplierId],
      );
    return {
      stakes,
      unbondings: unbondings.map((u) => ({
        nodeId: u.node_id,
        units: String(u.units),
        releaseAt: new Date(u.release_at).toISOString(),
        withdrawn: u.withdrawn_at !== null,
      })),
    };
  }

  /** The node's stake row, locked (created empty on first stake); the node must be the supplier's. */
  private async lockNode(
    tx: EntityManager,
    supplierId: string,
    nodeId: string,
  ): Promise<{ current: NodeStake; required: bigint }> {
    const [node]: Array<{ supplier_id: string; gpu_product: string; gpus: number }> = await tx.query(
      `SELECT supplier_id, gpu_product, gpus FROM ${this.tables.nodes} WHERE node_id = $1`,
      [nodeId],
    );
    if (!node || node.supplier_id !== supplierId) {
      throw new RewardsError('REWARDS.NODE_NOT_FOUND', `supplier ${supplierId} has no node ${nodeId}`);
    }
    await lockSupplier(tx, this.tables, supplierId);
    await tx.query(
      `INSERT INTO ${this.tables.stakes} (node_id, supplier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [nodeId, supplierId],
    );
    const [row]: Array<{ staked_units: string; last_unstake_at: Date | null }> = await tx.query(
      `SELECT ${bondedOf(this.ledger)} AS staked_units, s.last_unstake_at
       FROM ${this.tables.stakes} s WHERE s.node_id = $1 FOR UPDATE`,
      [nodeId],
    );
    return {
      current: {
        stakedUnits: BigInt(row.staked_units),
        lastUnstakeAt: row.last_unstake_at ? new Date(row.last_unstake_at) : undefined,
      },
      required: requiredStake(this.tables.classes, node.gpu_product, node.gpus),
    };
  }

  private async view(tx: EntityManager, nodeId: string, required: bigint): Promise<StakeView> {
    const [row]: StakeRow[] = await tx.query(
      `SELECT ${bondedOf(this.ledger)} AS staked_units, s.auto_compound, s.last_unstake_at
       FROM ${this.tables.stakes} s WHERE s.node_id = $1`,
      [nodeId],
    );
    return stakeView(nodeId, row, required);
  }
}
