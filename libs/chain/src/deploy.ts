import { createHash } from 'node:crypto';
import { createPublicClient, createWalletClient, http, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  ComputeCreditsAbi,
  ComputeCreditsBytecode,
  GridexTokenAbi,
  GridexTokenBytecode,
  RewardsVaultAbi,
  RewardsVaultBytecode,
} from './artifacts';
import { CHAIN_NODE_SETTINGS } from './chain-node';
import { localChain } from './clients';

/**
 * A fingerprint of the contracts' bytecode and the local node's settings: a deployment records the one it was
 * made with, so a running chain older than the checkout is recognised (and the stack starts it afresh).
 */
export function contractsFingerprint(): string {
  return createHash('sha256')
    .update(
      [
        GridexTokenBytecode,
        RewardsVaultBytecode,
        ComputeCreditsBytecode,
        JSON.stringify(CHAIN_NODE_SETTINGS),
      ].join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
}

export interface Deployment {
  chainId: number;
  token: `0x${string}`;
  vault: `0x${string}`;
  /** The ERC-1155 compute credits, owned by billing's key (which alone mints). */
  computeCredits: `0x${string}`;
  /** The platform's treasury: tokens minted to the platform at deployment, for a local chain's wallets. */
  treasuryUnits: bigint;
}

/**
 * Deploys the contracts from the platform's key: the token first (owned by the platform, which mints the
 * treasury), then the vault, which then owns the token, so only the vault mints from then on; last the compute
 * credits, owned by `creditsOwner` (billing's own key, so billing and rewards never share a nonce). The order
 * keeps the addresses of a fresh local chain the same from one start to the next.
 */
export async function deployContracts(
  rpcUrl: string,
  chainId: number,
  platformKey: `0x${string}`,
  treasuryUnits: bigint,
  creditsOwner: `0x${string}`,
): Promise<Deployment> {
  const chain = localChain(chainId, rpcUrl);
  const account = privateKeyToAccount(platformKey);
  const wallet: WalletClient = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const reader = createPublicClient({ chain, transport: http(rpcUrl) }) as PublicClient;
  const mined = async (hash: `0x${string}`) => {
    const receipt = await reader.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`deployment transaction ${hash} reverted`);
    return receipt;
  };
  const tokenReceipt = await mined(
    await wallet.deployContract({
      abi: GridexTokenAbi,
      bytecode: GridexTokenBytecode,
      args: [account.address],
      account,
      chain,
    }),
  );
  const token = tokenReceipt.contractAddress as `0x${string}`;
  const vaultReceipt = await mined(
    await wallet.deployContract({
      abi: RewardsVaultAbi,
      bytecode: RewardsVaultBytecode,
      args: [token, account.address],
      account,
      chain,
    }),
  );
  const vault = vaultReceipt.contractAddress as `0x${string}`;
  if (treasuryUnits > 0n) {
    await mined(
      await wallet.writeContract({
        address: token,
        abi: GridexTokenAbi,
        functionName: 'mint',
        args: [account.address, treasuryUnits],
        account,
        chain,
      }),
    );
  }
  await mined(
    await wallet.writeContract({
      address: token,
      abi: GridexTokenAbi,
      functionName: 'transferOwnership',
      args: [vault],
      account,
      chain,
    }),
  );
  const creditsReceipt = await mined(
    await wallet.deployContract({
      abi: ComputeCreditsAbi,
      bytecode: ComputeCreditsBytecode,
      args: [creditsOwner],
      account,
      chain,
    }),
  );
  const computeCredits = creditsReceipt.contractAddress as `0x${string}`;
  return { chainId, token, vault, computeCredits, treasuryUnits };
}
