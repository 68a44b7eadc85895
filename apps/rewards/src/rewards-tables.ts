import { Inject, Injectable } from '@nestjs/common';
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
