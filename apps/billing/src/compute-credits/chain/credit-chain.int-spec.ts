import {
  Account,
  Chain,
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  PublicClient,
  WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ComputeCreditsAbi, creditTokenId, localChain } from '@gridex/chain';
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
 * Compute credits leaving for wallets and coming back, against the stack's real chain (EDR, the ComputeCredits
 * ERC-1155 contract deployed by the stack), PostgreSQL and Kafka: the test plays the wallets and uses billing's
 * HTTP API. Mints and redemptions count after 2 confirmations here; the chain mines a block a second.
 */
const HOUR = 3600;
const suffix = uniqueSuffix();
const H100 = 'NVIDIA-H100-80GB-HBM3';

describe('billing: compute credits as ERC-1155 tokens on the real chain', () => {
  const env = stackEnv();
  const contract = env.BILLING_COMPUTE_CREDITS_ADDRESS as `0x${string}`;
  let chain: Chain;
  let reader: PublicClient;
  let billing: LaunchedService;
  const wallets: Array<{ account: Account; wallet: WalletClient }> = [];

  const walletOf = (key: `0x${string}`) => {
    const account = privateKeyToAccount(key);
    return {
      account,
      wallet: createWalletClient({ account, chain, transport: http(env.BILLING_CHAIN_RPC_URL) }),
    };
  };
  const mined = async (hash: `0x${string}`) => {
    const receipt = await reader.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  };
  const call = async (path: string, init: { method?: string; key?: string; body?: unknown } = {}) => {
    const response = await fetch(`${billing.url}/v1/${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.key ? { 'idempotency-key': init.key } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** A tenant with a credit of `hours` H100-hours from a commitment that ends at `until`. */
  const creditFor = async (tenantId: string, hours: number, until: Date) => {
    const supplier = `sup-chain-${uuidv7().slice(-8)}`;
    expect(
      (
        await call(`tenants/${tenantId}/credits`, {
          method: 'POST',
          key: `key-${uuidv7()}`,
          body: { amount: { currency: 'USD', micros: '100000000' }, paymentMethod: 'pm_test_visa' },
        })
      ).status,
    ).toBe(201);
    const commitment = await call(`suppliers/${supplier}/commitments`, {
      method: 'POST',
      key: `key-${uuidv7()}`,
      body: {
        gpuProduct: H100,
        gpuSeconds: hours * HOUR,
        askPerGpuHour: { currency: 'USD', micros: '2000000' },
        availableUntil: until.toISOString(),
      },
    });
    const bought = await call(`tenants/${tenantId}/compute-credits`, {
      method: 'POST',
      key: `key-${uuidv7()}`,
      body: { gpuProduct: H100, gpuSeconds: hours * HOUR, commitmentId: commitment.body.commitmentId },
    });
    expect(bought.status).toBe(201);
    return bought.body.creditId as string;
  };
  const balanceOf = (owner: `0x${string}`, creditId: string) =>
    reader.readContract({
      address: contract,
      abi: ComputeCreditsAbi,
      functionName: 'balanceOf',
      args: [owner, creditTokenId(creditId)],
    });
  const holding = async (tenantId: string, creditId: string) =>
    (await call(`tenants/${tenantId}/compute-credits/${creditId}`)).body as {
      balanceGpuSeconds?: number;
      status?: string;
    };
  const redeem = (
    who: { account: Account; wallet: WalletClient },
    creditId: string,
    seconds: number,
    tenant: string,
  ) =>
    who.wallet.writeContract({
      address: contract,
      abi: ComputeCreditsAbi,
      functionName: 'redeem',
      args: [creditTokenId(creditId), BigInt(seconds), tenant],
      account: who.account,
      chain,
    });
  const withdraw = (tenantId: string, creditId: string, key: string, gpuSeconds: number, address: string) =>
    call(`tenants/${tenantId}/compute-credits/${creditId}/withdrawals`, {
      method: 'POST',
      key,
      body: { gpuSeconds, address },
    });
  const minted = (tenantId: string, creditId: string) =>
    eventually(async () => {
      const page = (await call(`tenants/${tenantId}/compute-credits/${creditId}/withdrawals`)).body as {
        items: Array<{ state: string; transactionHash: string | null; failureReason: string | null }>;
      };
      expect(page.items.map((w) => [w.state, w.failureReason])).toEqual(
        page.items.map(() => ['minted', null]),
      );
      expect(page.items.length).toBeGreaterThan(0);
      return page.items;
    }, 60_000);

  beforeAll(async () => {
    chain = localChain(Number(env.BILLING_CHAIN_ID), env.BILLING_CHAIN_RPC_URL);
    reader = createPublicClient({ chain, transport: http(env.BILLING_CHAIN_RPC_URL) }) as PublicClient;
    // Two wallets with gas money, sent from billing's key before billing runs (so the two never share a nonce).
    const funder = walletOf(env.BILLING_CHAIN_KEY as `0x${string}`);
    for (let i = 0; i < 2; i += 1) {
      const holder = walletOf(generatePrivateKey());
      await mined(
        await funder.wallet.sendTransaction({
          to: holder.account.address,
          value: parseEther('1'),
          account: funder.account,
          chain,
        }),
      );
      wallets.push(holder);
    }
    billing = await launchService('billing', {
      BILLING_CHAIN_ENABLED: 'true',
      BILLING_CHAIN_RPC_URL: env.BILLING_CHAIN_RPC_URL,
      BILLING_CHAIN_ID: env.BILLING_CHAIN_ID,
      BILLING_COMPUTE_CREDITS_ADDRESS: contract,
      BILLING_CHAIN_KEY: env.BILLING_CHAIN_KEY,
      BILLING_CHAIN_START_BLOCK: String(await reader.getBlockNumber()), // this test's redemptions only
      BILLING_CHAIN_CONFIRMATIONS: '2',
      BILLING_CHAIN_POLL_SECONDS: '1',
      BILLING_CREDIT_EXPIRY_CHECK_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    await untilReady(billing);
  }, 120_000);

  afterAll(async () => {
    await billing?.process.kill();
    if (billing) await dropSchema(billing.schema);
  });

  it('mints a withdrawal once, and credits each redemption once to the tenant it names', async () => {
    const [first, second] = wallets;
    const [buyer, receiver] = [`t-wallet-a-${suffix}`, `t-wallet-b-${suffix}`];
    const creditId = await creditFor(buyer, 10, new Date(Date.now() + 86_400_000));

    // The same withdrawal twice: 4 GPU-hours leave once, as 14,400 tokens.
    const key = `key-${uuidv7()}`;
    const [w1, w2] = await Promise.all([
      withdraw(buyer, creditId, key, 4 * HOUR, first.account.address),
      withdraw(buyer, creditId, key, 4 * HOUR, first.account.address),
    ]);
    expect([w1.status, w2.status]).toEqual([201, 201]);
    expect(w2.body.withdrawalId).toBe(w1.body.withdrawalId);
    const [mint] = await minted(buyer, creditId);
    expect(mint.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(first.account.address, creditId)).toBe(BigInt(4 * HOUR));
    expect((await holding(buyer, creditId)).balanceGpuSeconds).toBe(6 * HOUR);
    const overdrawn = await withdraw(buyer, creditId, `key-${uuidv7()}`, 7 * HOUR, first.account.address);
    expect([overdrawn.status, overdrawn.body.code]).toEqual([422, 'COMPUTE_CREDIT.INSUFFICIENT_BALANCE']);

    // Tokens move like any ERC-1155 token; the second wallet redeems one hour for another tenant.
    await mined(
      await first.wallet.writeContract({
        address: contract,
        abi: ComputeCreditsAbi,
        functionName: 'safeTransferFrom',
        args: [first.account.address, second.account.address, creditTokenId(creditId), BigInt(HOUR), '0x'],
        account: first.account,
        chain,
      }),
    );
    await mined(await redeem(second, creditId, HOUR, receiver));
    // A redemption naming no valid tenant id burns the tokens but credits nobody, and says why.
    const ignored = await mined(await redeem(first, creditId, 600, 'not a tenant!'));
    await eventually(
      async () => expect((await holding(receiver, creditId)).balanceGpuSeconds).toBe(HOUR),
      30_000,
    );
    await eventually(async () => {
      const page = (await call('compute-credits/redemptions?status=ignored')).body as {
        items: Array<{ transactionHash: string; reason: string }>;
      };
      expect(page.items).toEqual([
        expect.objectContaining({
          transactionHash: ignored.transactionHash,
          reason: expect.stringMatching(/tenant id/),
        }),
      ]);
    }, 30_000);

    // Read again from the start: nothing is credited twice.
    await queryStack(`UPDATE "${billing.schema}".credit_chain_cursor SET scanned_block = 0`);
    await eventually(async () => {
      const [cursor] = await queryStack<{ scanned_block: string }>(
        `SELECT scanned_block FROM "${billing.schema}".credit_chain_cursor`,
      );
      expect(BigInt(cursor.scanned_block)).toBeGreaterThanOrEqual(ignored.blockNumber);
    }, 60_000);
    expect((await holding(receiver, creditId)).balanceGpuSeconds).toBe(HOUR);
    const [redemptions] = await queryStack<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${billing.schema}".ledger_transactions WHERE kind = 'compute-credit-redemption'`,
    );
    expect(redemptions.n).toBe('1');
    const [onChain] = await queryStack<{ balance: string }>(
      `SELECT balance_micros::text AS balance FROM "${billing.schema}".ledger_balances WHERE account = $1`,
      [`credit:${creditId}:on-chain`],
    );
    // Still on the chain: 3 hours minus the 600 burnt for nobody, whose value stays here until expiry.
    expect(BigInt(onChain.balance)).toBe((BigInt(3 * HOUR) * 2_300_400n) / 3600n);
  }, 180_000);

  it('lets nothing be redeemed after expiry, and lapses what was still on the chain, once', async () => {
    const [first] = wallets;
    const tenant = `t-wallet-x-${suffix}`;
    // The chain's clock runs ahead of the wall clock when blocks come faster than a second: expire by both.
    const chainNow = Number((await reader.getBlock()).timestamp) * 1000;
    const creditId = await creditFor(tenant, 2, new Date(Math.max(Date.now(), chainNow) + 12_000));
    expect((await withdraw(tenant, creditId, `key-${uuidv7()}`, HOUR, first.account.address)).status).toBe(
      201,
    );
    await minted(tenant, creditId);
    const lapsed = await eventually(async () => {
      const rows = await queryStack<{ reference: string }>(
        `SELECT reference FROM "${billing.schema}".ledger_transactions
         WHERE kind = 'compute-credit-expiry' AND reference LIKE $1`,
        [`${creditId}:%`],
      );
      expect(rows.map((r) => r.reference).sort()).toEqual(
        [`${creditId}:${tenant}:1`, `${creditId}:on-chain`].sort(),
      );
      return rows;
    }, 60_000);
    expect(lapsed).toHaveLength(2);
    await expect(redeem(first, creditId, 60, tenant)).rejects.toThrow(/CreditExpired/);
    expect((await holding(tenant, creditId)).status).toBe('expired');
  }, 120_000);
});
