/**
 * Rewards benchmark: closing an emission epoch over a large fleet.
 *
 *   npm run bench:rewards -- [--nodes 100000] [--claims 1000]
 *
 * 1. Creates a fresh rewards schema (its migrations) and seeds `nodes` nodes straight into it: a mix of
 *    data-center and consumer GPUs (1–8 each), 95 % verified, most online for all or part of the epoch, 90 %
 *    staked (some below their minimum, some above it, a tenth auto-compounding).
 * 2. Closes the epoch with rewards' own epoch closer (the code the service runs), timed: epochCloseSeconds.
 * 3. emissionErrorUnits = budget − the units the epoch's rows distribute (must be 0); the split is also recomputed
 *    from the stored inputs with the emission rules and compared node by node (recomputeMismatches, must be 0);
 *    tokenSupplyConsistent checks the token ledger after the close (held = opening + emitted − burned …).
 * 4. Pays `claims` token claims, in the ledger only (baseline) and on the chain: tokenPayouts (payouts per second).
 * Writes bench/results/rewards.json. Needs the stack (`npm run stack:up`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { messagingMigrations, OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { balancedTransaction, openServiceDataSource } from '@gridex/persistence';
import { dropSchema, stackEnv, testSchemaName } from '@gridex/testing';
import {
  rewardsConfigSchema,
  rewardsMigrations,
  splitEmission,
  EpochClock,
  EpochCloser,
  RewardsTables,
  OffChainTokenRail,
  OnChainTokenRail,
  TokenAccounts,
  TokenLedger,
  TokenPayouts,
  tokenSupply,
  VaultChain,
} from '@gridex/rewards/benchmark';

const { values: args } = parseArgs({
  options: { nodes: { type: 'string', default: '100000' }, claims: { type: 'string', default: '1000' } },
});
const NODES = Number(args.nodes);
const CLAIMS = Number(args.claims);
const HOUR = 3_600_000;

async function main(): Promise<void> {
  const schema = testSchemaName('bench_rewards');
  const env = stackEnv();
  const genesis = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR); // epoch 0 ended at the last full hour
  const config = rewardsConfigSchema.parse({
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    DATABASE_URL: env.DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REWARDS_GENESIS: genesis.toISOString(),
  });
  const dataSource = await openServiceDataSource({
    url: env.DATABASE_URL,
    schema,
    migrations: [...messagingMigrations, ...rewardsMigrations],
  });
  try {
    const tables = new RewardsTables(config);
    console.log(`seeding ${NODES} nodes ...`);
    const ids: string[] = [];
    const products: string[] = [];
    const gpus: number[] = [];
    const verified: boolean[] = [];
    const online: boolean[] = [];
    const since: Array<string | null> = [];
    const accrued: number[] = [];
    const stakeIds: string[] = [];
    const stakeUnits: string[] = [];
    const compound: boolean[] = [];
    for (let i = 0; i < NODES; i += 1) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      const datacenter = i % 5 === 0;
      const gpuCount = datacenter ? 8 : 1 + (i % 4);
      ids.push(id);
      products.push(datacenter ? 'H100-SXM5-80GB' : 'RTX-4090-24GB');
      gpus.push(gpuCount);
      verified.push(i % 20 !== 0);
      const isOnline = i % 7 !== 0;
      online.push(isOnline);
      // Online nodes came up at some point in the epoch; offline ones were up for a while before going down.
      since.push(isOnline ? new Date(genesis.getTime() + ((i * 7919) % (HOUR / 2))).toISOString() : null);
      accrued.push(isOnline ? (i * 104_729) % (HOUR / 2) : (i * 15_485_863) % HOUR);
      if (i % 10 !== 0) {
        const perGpu = datacenter
          ? config.REWARDS_MIN_STAKE_PER_GPU_DATACENTER
          : config.REWARDS_MIN_STAKE_PER_GPU_CONSUMER;
        stakeIds.push(id);
        stakeUnits.push(((perGpu * BigInt(gpuCount) * BigInt(80 + (i % 150))) / 100n).toString()); // 0.8× – 2.3×
        compound.push(i % 10 === 1);
      }
    }
    await dataSource.query(
      `INSERT INTO ${tables.nodes} (node_id, supplier_id, gpu_product, gpus, verified, online, online_since, accrued_ms,
         revision)
       SELECT id, 'bench-sup-' || (n % 2000), product, g, v, o, s, a, 1
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bool[], $5::bool[], $6::timestamptz[], $7::bigint[])
         WITH ORDINALITY AS t(id, product, g, v, o, s, a, n)`,
      [ids, products, gpus, verified, online, since, accrued],
    );
    await dataSource.query(
      `INSERT INTO ${tables.stakes} (node_id, supplier_id, auto_compound)
       SELECT t.id, n.supplier_id, t.c FROM unnest($1::uuid[], $2::bool[]) AS t(id, c)
       JOIN ${tables.nodes} n ON n.node_id = t.id`,
      [stakeIds, compound],
    );
    // The stakes are the nodes' bonded balances: one opening transaction funds them all.
    const ledger = new TokenLedger(config);
    await dataSource.transaction((tx) =>
      ledger.post(tx, {
        kind: 'opening',
        reference: 'bench-stakes',
        occurredAt: genesis,
        postings: balancedTransaction([
          ...stakeIds.map((id, i) => ({ account: TokenAccounts.bonded(id), amount: BigInt(stakeUnits[i]) })),
          { account: TokenAccounts.opening, amount: -stakeUnits.reduce((sum, u) => sum + BigInt(u), 0n) },
        ]),
      }),
    );
    await dataSource.query(`INSERT INTO ${tables.epochClock} (singleton, open_epoch) VALUES (true, 0)`);
    await dataSource.query(
      `ANALYZE ${tables.nodes}; ANALYZE ${tables.stakes}; ANALYZE ${ledger.tables.balances}`,
    );

    const closer = new EpochCloser(
      dataSource,
      tables,
      new EpochClock(tables),
      new OutboxWriter(schema),
      ledger,
      config,
      new ServiceMetrics('rewards_bench', { defaultMetrics: false }),
    );
    console.log('closing the epoch ...');
    const started = process.hrtime.bigint();
    const [closed] = await closer.closeEnded(new Date(genesis.getTime() + HOUR + 1000));
    const epochCloseSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const rows: Array<{
      node_id: string;
      gpu_class: string;
      gpus: number;
      online_ms: string;
      multiplier_bps: number;
      eligible: boolean;
      units: string;
    }> = await dataSource.query(`SELECT * FROM ${tables.epochNodes} WHERE epoch_number = 0`);
    const distributed = rows.reduce((sum, r) => sum + BigInt(r.units), 0n);
    const emissionErrorUnits = closed.budgetUnits - distributed;
    // Recompute from the stored inputs alone.
    const again = splitEmission(
      closed.budgetUnits,
      rows
        .filter((r) => r.eligible)
        .map((r) => ({
          nodeId: r.node_id,
          classWeight: tables.classes.weight[r.gpu_class as 'datacenter' | 'consumer'],
          gpus: r.gpus,
          onlineMs: Number(r.online_ms),
          stakeMultiplierBps: r.multiplier_bps,
        })),
    );
    const stored = new Map(rows.map((r) => [r.node_id, BigInt(r.units)]));
    const recomputeMismatches = again.filter((s) => stored.get(s.nodeId) !== s.units).length;

    const supply = tokenSupply(await ledger.balancesLike(dataSource, ''));
    const payouts = await payoutsPerSecond(env);
    const result = {
      benchmark: 'rewards',
      nodes: NODES,
      eligibleNodes: closed.eligibleNodes,
      budgetUnits: closed.budgetUnits.toString(),
      distributedUnits: distributed.toString(),
      emissionErrorUnits: Number(emissionErrorUnits),
      recomputeMismatches,
      tokenSupplyConsistent: supply.consistent,
      emittedUnits: supply.emittedUnits.toString(),
      epochCloseSeconds: Number(epochCloseSeconds.toFixed(2)),
      tokenPayouts: payouts,
      target: 'epochCloseSeconds <= 5 at 100,000 nodes, emissionErrorUnits = 0',
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'rewards.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await dataSource.destroy();
    await dropSchema(schema);
  }
}

/**
 * Token payouts: CLAIMS claimed token legs (one supplier and wallet each, funded through the ledger), paid by
 * rewards' own payout worker until every one is paid: first in the ledger only (the off-chain rail, the
 * baseline), then on the stack's chain (each a vault payOut transaction, paid once 3 blocks deep). Each rail gets
 * a schema of its own.
 */
async function payoutsPerSecond(env: ReturnType<typeof stackEnv>) {
  const results: Record<string, { payouts: number; seconds: number; perSecond: number }> = {};
  for (const rail of ['ledger', 'chain'] as const) {
    if (rail === 'chain' && !env.REWARDS_CHAIN_RPC_URL) continue;
    const schema = testSchemaName(`bench_payouts_${rail}`);
    const config = rewardsConfigSchema.parse({
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      DATABASE_URL: env.DATABASE_URL,
      DATABASE_SCHEMA: schema,
      ...(rail === 'chain'
        ? {
            REWARDS_CHAIN_ENABLED: 'true',
            REWARDS_CHAIN_RPC_URL: env.REWARDS_CHAIN_RPC_URL,
            REWARDS_CHAIN_ID: env.REWARDS_CHAIN_ID,
            REWARDS_TOKEN_ADDRESS: env.REWARDS_TOKEN_ADDRESS,
            REWARDS_VAULT_ADDRESS: env.REWARDS_VAULT_ADDRESS,
            REWARDS_CHAIN_PLATFORM_KEY: env.REWARDS_CHAIN_PLATFORM_KEY,
          }
        : {}),
    });
    const dataSource = await openServiceDataSource({
      url: env.DATABASE_URL,
      schema,
      migrations: [...messagingMigrations, ...rewardsMigrations],
    });
    try {
      const tables = new RewardsTables(config);
      const ledger = new TokenLedger(config);
      const suppliers = Array.from({ length: CLAIMS }, (_, i) => `bench-payee-${i}`);
      const units = 40_000_000n;
      await dataSource.transaction(async (tx) => {
        await ledger.post(tx, {
          kind: 'opening',
          reference: 'bench-claims',
          occurredAt: new Date(),
          postings: balancedTransaction([
            ...suppliers.map((s) => ({ account: TokenAccounts.pendingPayout(s), amount: units })),
            { account: TokenAccounts.opening, amount: -units * BigInt(CLAIMS) },
          ]),
        });
        await tx.query(
          `INSERT INTO ${tables.payouts} (supplier_id, idempotency_key, payout_id, earnings_micros, token_units,
             requested_at, earnings_status, tokens_status)
           SELECT s, 'bench', gen_random_uuid(), 0, $2, now(), 'none', 'requested' FROM unnest($1::text[]) AS s`,
          [suppliers, units.toString()],
        );
        await tx.query(
          `INSERT INTO ${tables.wallets} (supplier_id, address, registered_at)
           SELECT s, '0x' || substr(md5(s || $2), 1, 20) || substr(md5($2 || s), 1, 20), now()
           FROM unnest($1::text[]) AS s`,
          [suppliers, schema],
        );
      });
      const payoutRail =
        rail === 'chain'
          ? new OnChainTokenRail(dataSource, tables, new VaultChain(config))
          : new OffChainTokenRail();
      const worker = new TokenPayouts(
        dataSource,
        tables,
        ledger,
        payoutRail,
        config,
        new ServiceMetrics(`rewards_bench_${rail}`, { defaultMetrics: false }),
      );
      console.log(`paying ${CLAIMS} token claims (${rail}) ...`);
      const started = process.hrtime.bigint();
      let paid = 0;
      while (paid < CLAIMS) {
        paid += await worker.payPending(CLAIMS);
        if (paid < CLAIMS) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const supply = tokenSupply(await ledger.balancesLike(dataSource, ''));
      if (!supply.consistent || supply.withdrawnUnits !== units * BigInt(CLAIMS)) {
        throw new Error(`the token ledger does not add up after the ${rail} payouts`);
      }
      results[rail] = {
        payouts: paid,
        seconds: Number(seconds.toFixed(2)),
        perSecond: Math.round(paid / seconds),
      };
    } finally {
      await dataSource.destroy();
      await dropSchema(schema);
    }
  }
  return results;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
