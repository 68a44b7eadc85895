import { Account, createPublicClient, createWalletClient, http, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ComputeCreditsAbi, creditTokenId, localChain, uuidBytes16 } from '@gridex/chain';
import { BillingConfig } from '../../config/billing.config';

/**
 * The ComputeCredits (ERC-1155) contract as billing uses it: a reader for blocks, receipts and redemptions, and
 * billing's own key (the contract's owner) for mints. Built only when BILLING_CHAIN_ENABLED is true (the config
 * then has every setting).
 */
export class CreditChain {
  readonly reader: PublicClient;
  readonly wallet: WalletClient;
  readonly owner: Account;
  readonly address: `0x${string}`;
  readonly confirmations: bigint;
  readonly startBlock: bigint;
  private readonly chain;

  constructor(config: BillingConfig) {
    const url = config.BILLING_CHAIN_RPC_URL as string;
    this.chain = localChain(config.BILLING_CHAIN_ID as number, url);
    this.reader = createPublicClient({ chain: this.chain, transport: http(url) }) as PublicClient;
    this.owner = privateKeyToAccount(config.BILLING_CHAIN_KEY as `0x${string}`);
    this.wallet = createWalletClient({ account: this.owner, chain: this.chain, transport: http(url) });
    this.address = config.BILLING_COMPUTE_CREDITS_ADDRESS as `0x${string}`;
    this.confirmations = BigInt(config.BILLING_CHAIN_CONFIRMATIONS);
    this.startBlock = config.BILLING_CHAIN_START_BLOCK;
  }

  minted(withdrawalId: string): Promise<boolean> {
    return this.reader.readContract({
      address: this.address,
      abi: ComputeCreditsAbi,
      functionName: 'minted',
      args: [uuidBytes16(withdrawalId)],
    });
  }

  /** The transaction that minted this withdrawal, if one did. */
  async mintTransaction(withdrawalId: string): Promise<`0x${string}` | undefined> {
    const logs = await this.reader.getContractEvents({
      address: this.address,
      abi: ComputeCreditsAbi,
      eventName: 'Minted',
      args: { mintId: uuidBytes16(withdrawalId) },
      fromBlock: this.startBlock,
    });
    return logs[0]?.transactionHash ?? undefined;
  }

  /** Sends the mint of a withdrawal; its transaction hash. */
  mint(
    withdrawalId: string,
    to: `0x${string}`,
    creditId: string,
    gpuSeconds: bigint,
    expiresAt: Date,
  ): Promise<`0x${string}`> {
    return this.wallet.writeContract({
      address: this.address,
      abi: ComputeCreditsAbi,
      functionName: 'mint',
      args: [
        uuidBytes16(withdrawalId),
        to,
        creditTokenId(creditId),
        gpuSeconds,
        BigInt(Math.floor(expiresAt.getTime() / 1000)),
      ],
      account: this.owner,
      chain: this.chain,
    });
  }

  balanceOf(owner: `0x${string}`, creditId: string): Promise<bigint> {
    return this.reader.readContract({
      address: this.address,
      abi: ComputeCreditsAbi,
      functionName: 'balanceOf',
      args: [owner, creditTokenId(creditId)],
    });
  }
}
