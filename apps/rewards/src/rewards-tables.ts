import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from './config/rewards.config';
import { ClassTable } from './domain/gpu-class';
import { EpochCalendar } from './domain/epochs';

/** Rewards' table names and the parts of its config every feature reads. */
@Injectable()
export class RewardsTables {
  readonly nodes: string;
  readonly stakes: string;
  readonly unbondings: string;
  readonly accounts: string;
  readonly earnings: string;
  readonly epochs: string;
  readonly epochNodes: string;
  readonly slashes: string;
  readonly payouts: string;
  readonly epochClock: string;
  readonly wallets: string;
  readonly chainCursor: string;
  readonly chainDeposits: string;
  readonly classes: ClassTable;
  readonly calendar: EpochCalendar;

  constructor(@Inject(SERVICE_CONFIG) config: RewardsConfig) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.nodes = table('nodes');
    this.stakes = table('stakes');
    this.unbondings = table('unbondings');
    this.accounts = table('supplier_accounts');
    this.earnings = table('earnings');
    this.epochs = table('epochs');
    this.epochNodes = table('epoch_nodes');
    this.slashes = table('slashes');
    this.payouts = table('payouts');
    this.epochClock = table('epoch_clock');
    this.wallets = table('supplier_wallets');
    this.chainCursor = table('chain_cursor');
    this.chainDeposits = table('chain_deposits');
    this.classes = {
      datacenterProductPrefixes: config.REWARDS_DATACENTER_GPU_PRODUCTS,
      minStakePerGpu: {
        datacenter: config.REWARDS_MIN_STAKE_PER_GPU_DATACENTER,
        consumer: config.REWARDS_MIN_STAKE_PER_GPU_CONSUMER,
      },
      weight: {
        datacenter: config.REWARDS_CLASS_WEIGHT_DATACENTER,
        consumer: config.REWARDS_CLASS_WEIGHT_CONSUMER,
      },
    };
    this.calendar = { genesis: config.REWARDS_GENESIS, lengthMs: config.REWARDS_EPOCH_SECONDS * 1000 };
  }
}

/**
 * Locks the supplier's account row (created on first use) for the rest of the transaction: every decision about
 * the supplier's tokens or earnings (stake, claim, withdrawal, deposit) takes it first, so they apply one after
 * another and a balance read under it stays true until commit.
 */
export async function lockSupplier(tx: EntityManager, tables: RewardsTables, supplierId: string) {
  await tx.query(`INSERT INTO ${tables.accounts} (supplier_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
    supplierId,
  ]);
  const [account]: Array<{ earned_micros: string; paid_micros: string }> = await tx.query(
    `SELECT earned_micros, paid_micros FROM ${tables.accounts} WHERE supplier_id = $1 FOR UPDATE`,
    [supplierId],
  );
  return { earnedMicros: BigInt(account.earned_micros), paidMicros: BigInt(account.paid_micros) };
}
