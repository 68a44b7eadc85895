import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RewardsError } from '../domain/staking';
import { depositPostings } from '../domain/token-ledger';
import { lockSupplier, RewardsTables } from '../rewards-tables';
import { TokenLedger } from './token-ledger';

/**
 * Tokens that enter Gridex for a supplier: `deposits → available`, once per reference (a chain deposit's
 * transaction hash and log index, or an operator's reference for one received off the chain), so a watcher that
 * sees a deposit again, or an operator who records it twice, credits it once.
 */
@Injectable()
export class TokenDeposits {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
  ) {}

  /** Credits the deposit; false when this reference was credited before. */
  async credit(supplierId: string, units: bigint, reference: string, tx?: EntityManager): Promise<boolean> {
    if (units <= 0n)
      throw new RewardsError('REWARDS.INVALID_AMOUNT', `a deposit must be positive, got ${units}`);
    const run = async (manager: EntityManager) => {
      await lockSupplier(manager, this.tables, supplierId);
      const id = await this.ledger.post(manager, {
        kind: 'deposit',
        reference,
        occurredAt: new Date(),
        postings: depositPostings(supplierId, units),
      });
      return id !== undefined;
    };
    return tx ? run(tx) : this.dataSource.transaction(run);
  }
}
