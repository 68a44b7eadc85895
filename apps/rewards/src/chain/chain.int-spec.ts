import {
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  PublicClient,
  WalletClient,
  Account,
  Chain,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { GridexTokenAbi, localChain, RewardsVaultAbi, uuidBytes16 } from '@gridex/chain';
import { uuidv7 } from '@gridex/contracts';
import {
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  queryStack,
  stackEnv,
  uniqueSuffix,
  untilReady,
} from '@gridex/testing';

/**
 * Rewards against the stack's real chain (EDR, the token and vault deployed by the stack), PostgreSQL and
 * Kafka: the test plays a supplier's wallet (deposits, receiving payouts) and uses rewards' HTTP API. Deposits
 * need 3 confirmations here; the chain mines a block a second and one per transaction.
 */
const TOKEN = 1_000_000n;
const suffix = uniqueSuffix();
const supplier = `sup-chain-${suffix}`;

describe('rewards: tokens entering and leaving on the real chain', () => {
  const env = stackEnv();
  const chainEnv = {
    REWARDS_CHAIN_ENABLED: 'true',
    REWARDS_CHAIN_RPC_URL: env.REWARDS_CHAIN_RPC_URL,
    REWARDS_CHAIN_ID: env.REWARDS_CHAIN_ID,
    REWARDS_TOKEN_ADDRESS: env.REWARDS_TOKEN_ADDRESS,
    REWARDS_VAULT_ADDRESS: env.REWARDS_VAULT_ADDRESS,
    REWARDS_CHAIN_PLATFORM_KEY: env.REWARDS_CHAIN_PLATFORM_KEY,
    REWARDS_CHAIN_CONFIRMATIONS: '3',
    REWARDS_CHAIN_POLL_SECONDS: '1',
    REWARDS_TOKEN_PAYOUT_CHECK_SECONDS: '1',
    REWARDS_MIN_PAYOUT_UNITS: '1000000',
    LOG_LEVEL: 'warn',
  };
  const token = env.REWARDS_TOKEN_ADDRESS as `0x${string}`;
  const vault = env.REWARDS_VAULT_ADDRESS as `0x${string}`;
  let chain: Chain;
  let reader: PublicClient;
  let platform: { account: Account; wallet: WalletClient };
  let owner: { account: Account; wallet: WalletClient };
  let rewards: LaunchedService;

  const walletOf = (key: `0x${string}`) => {
    const account = privateKeyToAccount(key);
    return {
      account,
      wallet: createWalletClient({ account, chain, transport: http(env.REWARDS_CHAIN_RPC_URL) }),
    };
  };
  const mined = async (hash: `0x${string}`) => {
    const receipt = await reader.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  };
  const rpc = (method: string, params: unknown[] = []) =>
    reader.request({ method: method as never, params: params as never }) as Promise<unknown>;
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${rewards.url}/v1/${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const available = async () =>
    BigInt(
      ((await api(`suppliers/${supplier}/balances`)).body.tokens as { availableUnits: string })
        .availableUnits,
    );
  /** The supplier's wallet hands `units` to the vault for `supplierId`. */
  const deposit = async (supplierId: string, units: bigint) => {
    await mined(
      await owner.wallet.writeContract({
        address: token,
        abi: GridexTokenAbi,
        functionName: 'approve',
        args: [vault, units],
        account: owner.account,
        chain,
      }),
    );
    return mined(
      await owner.wallet.writeContract({
        address: vault,
        abi: RewardsVaultAbi,
        functionName: 'deposit',
        args: [supplierId, units],
        account: owner.account,
        chain,
      }),
    );
  };
  let startBlock = 0n;
  const launch = async (schema?: string) => {
    rewards = await launchService('rewards', {
      ...chainEnv,
      REWARDS_CHAIN_START_BLOCK: String(startBlock), // this test's deposits only, not earlier runs'
      // Its database again, but a consumer group of its own (see the crash test below).
      ...(schema ? { DATABASE_SCHEMA: schema, KAFKA_CONSUMER_GROUP: `e2e-rewards-${uniqueSuffix()}` } : {}),
    });
    await untilReady(rewards);
  };

  beforeAll(async () => {
    chain = localChain(Number(env.REWARDS_CHAIN_ID), env.REWARDS_CHAIN_RPC_URL);
    reader = createPublicClient({ chain, transport: http(env.REWARDS_CHAIN_RPC_URL) }) as PublicClient;
    platform = walletOf(env.REWARDS_CHAIN_PLATFORM_KEY as `0x${string}`);
    owner = walletOf(generatePrivateKey());
    startBlock = await reader.getBlockNumber();
    // The supplier's wallet: gas money and 2,000 GDX from the platform's treasury.
    await mined(
      await platform.wallet.sendTransaction({
        to: owner.account.address,
        value: parseEther('10'),
        account: platform.account,
        chain,
      }),
    );
    await mined(
      await platform.wallet.writeContract({
        address: token,
        abi: GridexTokenAbi,
        functionName: 'transfer',
        args: [owner.account.address, 2_000n * TOKEN],
        account: platform.account,
        chain,
      }),
    );
    await launch();
  });

  afterAll(async () => {
    await rewards?.process.kill();
    if (rewards) await dropSchema(rewards.schema);
  });

  it('credits a deposit of 1,000 tokens once, across a crash of rewards and a re-read of the chain', async () => {
    const receipt = await deposit(supplier, 1_000n * TOKEN);
    await eventually(async () => expect(await available()).toBe(1_000n * TOKEN), 30_000);
    // Killed (-9), its cursor rewound as if restored from an older backup, started again: still credited once.
    const { schema } = rewards;
    await rewards.process.kill(); // SIGKILL
    await queryStack(`UPDATE "${schema}".chain_cursor SET scanned_block = $1`, [String(startBlock)]);
    // A fresh consumer group: the killed member's Kafka session would hold the old one's partitions for 30 s.
    await launch(schema);
    await eventually(async () => {
      const [cursor] = await queryStack<{ scanned_block: string }>(
        `SELECT scanned_block FROM "${schema}".chain_cursor`,
      );
      expect(BigInt(cursor.scanned_block)).toBeGreaterThanOrEqual(receipt.blockNumber);
    }, 30_000);
    expect(await available()).toBe(1_000n * TOKEN);
    const { body } = await api('tokens/deposits?status=credited');
    expect(
      (body.items as Array<{ transactionHash: string }>).filter(
        (d) => d.transactionHash === receipt.transactionHash,
      ),
    ).toHaveLength(1);
    expect((await api('tokens/supply')).body).toMatchObject({
      depositedUnits: String(1_000n * TOKEN),
      consistent: true,
    });
  });

  it('ignores a deposit a reorganisation removed before it was confirmed, and one naming no valid supplier', async () => {
    const before = await available();
    const snapshot = await rpc('evm_snapshot');
    await deposit(supplier, 50n * TOKEN);
    await rpc('evm_revert', [snapshot]); // the deposit's blocks are gone, replaced by others
    const invalid = await deposit('not a supplier id!', 5n * TOKEN);
    const valid = await deposit(supplier, 7n * TOKEN);
    await eventually(async () => expect(await available()).toBe(before + 7n * TOKEN), 30_000);
    const { body } = await api('tokens/deposits?status=ignored');
    expect(body.items).toContainEqual(
      expect.objectContaining({
        transactionHash: invalid.transactionHash,
        status: 'ignored',
        reason: '"not a supplier id!" is not a valid supplier id',
      }),
    );
    expect(valid.blockNumber).toBeGreaterThan(invalid.blockNumber);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // more passes: the reverted deposit never shows
    expect(await available()).toBe(before + 7n * TOKEN);
  });

  it('pays a claim as a mined transfer to the wallet, and a payout sent again pays once', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey()).address;
    expect(
      (
        await api(`suppliers/${supplier}/wallet`, {
          method: 'PUT',
          body: JSON.stringify({ address: wallet }),
        })
      ).status,
    ).toBe(200);
    const claim = await api(`suppliers/${supplier}/claims`, {
      method: 'POST',
      headers: { 'idempotency-key': `chain-${uuidv7()}` },
      body: JSON.stringify({ tokenUnits: String(40n * TOKEN) }),
    });
    expect(claim.status).toBe(201);
    const payoutId = claim.body.payoutId as string;
    const paid = async () =>
      eventually(async () => {
        const { body } = await api(`suppliers/${supplier}/payouts`);
        const payout = (
          body.items as Array<{ payoutId: string; tokensStatus: string; transactionHash: string }>
        ).find((p) => p.payoutId === payoutId);
        expect(payout?.tokensStatus).toBe('paid');
        return payout as { transactionHash: `0x${string}` };
      }, 30_000);
    const first = await paid();
    const receipt = await reader.getTransactionReceipt({ hash: first.transactionHash });
    expect(receipt.status).toBe('success');
    const balanceOf = () =>
      reader.readContract({ address: token, abi: GridexTokenAbi, functionName: 'balanceOf', args: [wallet] });
    expect(await balanceOf()).toBe(40n * TOKEN);

    // As if rewards had crashed after sending, before recording the hash: it sends again, and the vault pays once.
    await queryStack(
      `UPDATE "${rewards.schema}".payouts SET tokens_status = 'requested', tokens_tx_hash = NULL WHERE payout_id = $1`,
      [payoutId],
    );
    const again = await paid();
    expect(again.transactionHash).toBe(first.transactionHash);
    expect(await balanceOf()).toBe(40n * TOKEN);
    const events = await reader.getContractEvents({
      address: vault,
      abi: RewardsVaultAbi,
      eventName: 'PaidOut',
      args: { payoutId: uuidBytes16(payoutId) },
      fromBlock: 0n,
    });
    expect(events).toHaveLength(1);
    // The vault itself refuses a second payout of the same id, whoever sends it.
    await expect(
      reader.simulateContract({
        address: vault,
        abi: RewardsVaultAbi,
        functionName: 'payOut',
        args: [uuidBytes16(payoutId), wallet, 40n * TOKEN],
        account: platform.account,
      }),
    ).rejects.toThrow(/AlreadyPaidOut/);
    expect((await api('tokens/supply')).body).toMatchObject({ consistent: true });
  });
});
