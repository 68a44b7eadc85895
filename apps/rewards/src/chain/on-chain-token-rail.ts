import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RewardsTables } from '../rewards-tables';
import { TokenPayoutOrder, TokenPayoutRail, TokenPayoutSent } from '../tokens/token-payout-rail';
import { VaultChain } from './vault-chain';

/**
 * Token payouts on the chain: the vault mints the payout to the supplier's registered wallet, signed by the
 * platform key. The vault pays a payout id at most once, so a payout sent again after a crash (before its hash
 * was recorded) reverts instead of paying twice (and counts as paid); before sending, the rail asks the vault
 * whether the payout was paid already and, if so, adopts that transaction. A payout is paid once its
 * transaction is REWARDS_CHAIN_CONFIRMATIONS blocks deep; one that reverted without the vault having paid it
 * fails (the tokens return to the supplier).
 */
@Injectable()
export class OnChainTokenRail implements TokenPayoutRail {
  private readonly logger = new Logger(OnChainTokenRail.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(VaultChain) private readonly chain: VaultChain,
  ) {}

  async send(order: TokenPayoutOrder): Promise<TokenPayoutSent> {
    if (await this.chain.paidOut(order.payoutId)) {
      const hash = await this.chain.payoutTransaction(order.payoutId);
      if (hash) return { outcome: 'submitted', transactionHash: hash };
    }
    const [wallet]: Array<{ address: `0x${string}` }> = await this.dataSource.query(
      `SELECT address FROM ${this.tables.wallets} WHERE supplier_id = $1`,
      [order.supplierId],
    );
    if (!wallet)
      return { outcome: 'refused', reason: 'the supplier has registered no wallet for token payouts' };
    const transactionHash = await this.chain.payOut(order.payoutId, wallet.address, order.units);
    this.logger.debug(`payout ${order.payoutId}: ${order.units} to ${wallet.address} in ${transactionHash}`);
    return { outcome: 'submitted', transactionHash };
  }

  async check(order: TokenPayoutOrder, transactionHash: string): Promise<'pending' | 'paid' | 'failed'> {
    const receipt = await this.chain.reader
      .getTransactionReceipt({ hash: transactionHash as `0x${string}` })
      .catch(() => undefined);
    if (!receipt) return 'pending';
    // A payout sent twice reverts the second time: it was paid, by the other transaction.
    if (receipt.status !== 'success') return (await this.chain.paidOut(order.payoutId)) ? 'paid' : 'failed';
    const head = await this.chain.reader.getBlockNumber();
    return head - receipt.blockNumber + 1n >= this.chain.confirmations ? 'paid' : 'pending';
  }
}
