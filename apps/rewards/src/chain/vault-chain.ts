import { Inject, Injectable } from '@nestjs/common';
import { Account, createPublicClient, createWalletClient, http, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { GridexTokenAbi, localChain, RewardsVaultAbi, uuidBytes16 } from '@gridex/chain';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';

/**
 * The chain as rewards uses it: a reader for blocks and vault events, and the platform's wallet (the vault's
 * owner) for payouts. Built only when REWARDS_CHAIN_ENABLED is true (the config then has every setting).
 */
@Injectable()
export class VaultChain {
  readonly reader: PublicClient;
  readonly wallet: WalletClient;
  readonly platform: Account;
  readonly vault: `0x${string}`;
  readonly token: `0x${string}`;
  readonly confirmations: bigint;
  readonly chain;

  constructor(@Inject(SERVICE_CONFIG) config: RewardsConfig) {
    const url = config.REWARDS_CHAIN_RPC_URL as string;
    this.chain = localChain(config.REWARDS_CHAIN_ID as number, url);
    this.reader = createPublicClient({ chain: this.chain, transport: http(url) }) as PublicClient;
    this.platform = privateKeyToAccount(config.REWARDS_CHAIN_PLATFORM_KEY as `0x${string}`);
    this.wallet = createWalletClient({ account: this.platform, chain: this.chain, transport: http(url) });
    this.vault = config.REWARDS_VAULT_ADDRESS as `0x${string}`;
    this.token = config.REWARDS_TOKEN_ADDRESS as `0x${string}`;
    this.confirmations = BigInt(config.REWARDS_CHAIN_CONFIRMATIONS);
  }

  /** Whether the vault has paid this payout (in any transaction). */
  paidOut(payoutId: string): Promise<boolean> {
    return this.reader.readContract({
      address: this.vault,
      abi: RewardsVaultAbi,
      functionName: 'paidOut',
      args: [uuidBytes16(payoutId)],
    });
  }

  /** The transaction that paid this payout, if the vault has paid it. */
  async payoutTransaction(payoutId: string): Promise<`0x${string}` | undefined> {
    const logs = await this.reader.getContractEvents({
      address: this.vault,
      abi: RewardsVaultAbi,
      eventName: 'PaidOut',
      args: { payoutId: uuidBytes16(payoutId) },
      fromBlock: 0n,
    });
    return logs[0]?.transactionHash ?? undefined;
  }

  /** Sends the vault's payOut for this payout; the transaction's hash. */
  payOut(payoutId: string, to: `0x${string}`, units: bigint): Promise<`0x${string}`> {
    return this.wallet.writeContract({
      address: this.vault,
      abi: RewardsVaultAbi,
      functionName: 'payOut',
      args: [uuidBytes16(payoutId), to, units],
      account: this.platform,
      chain: this.chain,
    });
  }

  balanceOf(owner: `0x${string}`): Promise<bigint> {
    return this.reader.readContract({
      address: this.token,
      abi: GridexTokenAbi,
      functionName: 'balanceOf',
      args: [owner],
    });
  }
}
