import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { advanceChainCursor, confirmedWindow, lockChainCursor, RewardsVaultAbi } from '@gridex/chain';
import { IdSchema } from '@gridex/contracts';
import { ServiceMetrics } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { RewardsTables } from '../rewards-tables';
import { TokenDeposits } from '../tokens/token-deposits.service';
import { VaultChain } from './vault-chain';

/**
 * Credits vault deposits to suppliers' available tokens. Each pass reads the vault's `Deposited` events up to
 * the newest block that has REWARDS_CHAIN_CONFIRMATIONS confirmations, from the block after the last one read
 * (`chain_cursor`; the shared rules are `@gridex/chain`'s confirmed-logs), and records every deposit by (transaction hash, log index) with the cursor in one
 * transaction: a restart resumes after the last block read, and a deposit seen twice is credited once (the
 * ledger transaction is named by the same pair). A deposit not yet deep enough is not read at all, so a
 * reorganisation shallower than the confirmations can never credit a deposit that then vanished. A deposit
 * naming no valid supplier id is recorded as ignored, with the reason, and logged. A chain whose genesis block
 * is not the one read before (a local chain restarted) is read again from REWARDS_CHAIN_START_BLOCK.
 */
@Injectable()
export class VaultWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VaultWatcher.name);
  private readonly task: PeriodicTask;
  private readonly deposits;
  private genesisHash?: string;
  private readonly startBlock: bigint;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(VaultChain) private readonly chain: VaultChain,
    @Inject(TokenDeposits) private readonly tokenDeposits: TokenDeposits,
    @Inject(SERVICE_CONFIG) config: RewardsConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.startBlock = config.REWARDS_CHAIN_START_BLOCK;
    this.deposits = metrics.counter('chain_deposits_total', 'Vault deposits read, by outcome', ['outcome']);
    this.task = new PeriodicTask(this.logger, 'vault watch', config.REWARDS_CHAIN_POLL_SECONDS * 1000, () =>
      this.pass().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns the deposits recorded (credited or ignored). */
  async pass(): Promise<number> {
    this.genesisHash ??= (await this.chain.reader.getBlock({ blockNumber: 0n })).hash;
    const head = await this.chain.reader.getBlockNumber();
    return this.dataSource.transaction(async (tx) => {
      const query = (sql: string, parameters?: unknown[]) => tx.query(sql, parameters);
      const scanned = await lockChainCursor(
        query,
        this.tables.chainCursor,
        this.genesisHash as string,
        this.startBlock,
        (previous) =>
          this.logger.warn(`the chain's genesis block changed (${previous}): reading it from the start`),
      );
      const window = confirmedWindow(head, this.chain.confirmations, scanned);
      if (!window) return 0;
      const logs = await this.chain.reader.getContractEvents({
        address: this.chain.vault,
        abi: RewardsVaultAbi,
        eventName: 'Deposited',
        ...window,
      });
      let recorded = 0;
      for (const log of logs) {
        const { supplierId, from, amount } = log.args as { supplierId: string; from: string; amount: bigint };
        const valid = IdSchema.safeParse(supplierId).success && amount > 0n;
        const reason = valid ? null : `"${supplierId.slice(0, 80)}" is not a valid supplier id`;
        const inserted: unknown[] = await tx.query(
          `INSERT INTO ${this.tables.chainDeposits} (transaction_hash, log_index, block_number, supplier_id,
             from_address, units, status, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING transaction_hash`,
          [
            log.transactionHash,
            log.logIndex,
            String(log.blockNumber),
            supplierId.slice(0, 200),
            from,
            amount.toString(),
            valid ? 'credited' : 'ignored',
            reason,
          ],
        );
        if (inserted.length === 0) continue;
        recorded += 1;
        if (valid) {
          await this.tokenDeposits.credit(
            supplierId,
            amount,
            `chain:${log.transactionHash}:${log.logIndex}`,
            tx,
          );
          this.deposits.inc({ outcome: 'credited' });
        } else {
          this.logger.warn(`deposit ${log.transactionHash}:${log.logIndex} ignored: ${reason}`);
          this.deposits.inc({ outcome: 'ignored' });
        }
      }
      await advanceChainCursor(query, this.tables.chainCursor, window.toBlock);
      return recorded;
    });
  }
}
