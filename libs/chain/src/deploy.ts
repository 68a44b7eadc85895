import { createPublicClient, createWalletClient, http, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { GridexTokenAbi, GridexTokenBytecode, RewardsVaultAbi, RewardsVaultBytecode } from './artifacts';
import { localChain } from './clients';

export interface Deployment {
  chainId: number;
  token: `0x${string}`;
  vault: `0x${string}`;
  /** The platform's treasury: tokens minted to the platform at deployment, for a local chain's wallets. */
  treasuryUnits: bigint;
}

/**
 * Deploys the token and the vault from the platform's key: the token first (owned by the platform, which mints
 * the treasury), then the vault, which then owns the token, so only the vault mints from then on.
 */
export async function deployContracts(
  rpcUrl: string,
  chainId: number,
  platformKey: `0x${string}`,
  treasuryUnits: bigint,
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
  return { chainId, token, vault, treasuryUnits };
}
