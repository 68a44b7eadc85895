import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  advanceChainCursor,
  ComputeCreditsAbi,
  confirmedWindow,
  creditIdOfToken,
  lockChainCursor,
} from '@gridex/chain';
import {
  ComputeCreditExpired,
  ComputeCreditRedeemed,
  ComputeCreditWithdrawn,
  deterministicUuid,
  IdNamespaces,
  IdSchema,
  money,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { currentCorrelation, ServiceMetrics } from '@gridex/observability';
import { PeriodicTask } from '@gridex/runtime';
import { BillingConfig } from '../../config/billing.config';
import { creditGpuSeconds, creditValueMicros } from '../../domain/compute-credits';
import { creditExpiry, creditOnChainMove } from '../../domain/ledger';
import { LedgerStore } from '../../ledger/ledger.store';
import { TenantAccounts } from '../../ledger/tenant-accounts';
import { ComputeCreditStore } from '../compute-credit.store';
import { keyReused, requestHash, spendableHolding } from '../compute-credits.service';
import { CreditChain } from './credit-chain';
import { CreditChainStore, WithdrawalRow } from './credit-chain.store';

/**
 * Compute credits that leave Gridex for wallets and come back, as ERC-1155 tokens (`ComputeCredits`, one token
 * per GPU-second, token id = credit id). Exactly once both ways:
 *
 * - A **withdrawal** (tenant, Idempotency-Key → withdrawal id = the contract's mint id) moves the GPU-seconds'
 *   value from the holding to `credit:<id>:on-chain` under the holder's lock, and is then minted by the pass:
 *   a mint id is minted at most once by the contract itself, and a pass that finds a pending withdrawal already
 *   minted (a crash after sending) adopts that transaction. A mint the chain refuses returns the GPU-seconds to
 *   the holding (`compute-credit-redeemed`, source `failed-mint`).
 * - A **redemption** (a wallet burns tokens for a tenant id) is read once it has BILLING_CHAIN_CONFIRMATIONS
 *   blocks on top, recorded by (transaction, log index) with the cursor in one transaction, and credited to the
 *   tenant's holding; one naming no credit or no valid tenant id is recorded as ignored with the reason.
 * - At expiry the contract refuses redemptions, so once the watcher has read past a credit's expiry, what is
 *   still on the chain lapses to `platform:credit-breakage` in the same transaction.
 */
export class CreditChainSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CreditChainSync.name);
  private readonly task: PeriodicTask;
  private readonly redeemed;
  private genesisHash?: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: CreditChain,
    private readonly store: CreditChainStore,
    private readonly credits: ComputeCreditStore,
    private readonly ledger: LedgerStore,
    private readonly tenants: TenantAccounts,
    private readonly outbox: OutboxWriter,
    private readonly config: BillingConfig,
    metrics: ServiceMetrics,
  ) {
    this.redeemed = metrics.counter('compute_credit_redemptions_total', 'Redemptions read, by outcome', [
      'outcome',
    ]);
    this.task = new PeriodicTask(
      this.logger,
      'compute credit chain pass',
      config.BILLING_CHAIN_POLL_SECONDS * 1000,
      () => this.pass().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Takes GPU-seconds of a holding out to a wallet; the mint follows on the next pass. */
  async withdraw(
    tenantId: string,
    creditId: string,
    idempotencyKey: string,
    request: { gpuSeconds: number; address: `0x${string}` },
    now = new Date(),
  ): Promise<WithdrawalRow> {
    const withdrawalId = deterministicUuid(IdNamespaces.computeCreditWithdrawal, tenantId, idempotencyKey);
    const hash = requestHash({ creditId, ...request });
    return this.dataSource.transaction(async (tx) => {
      await this.tenants.lock(tx, tenantId);
      const existing = await this.store.withdrawal(tx, withdrawalId);
      if (existing) {
        if (existing.request_hash !== hash) throw keyReused('withdrawal');
        return existing;
      }
      const { amount } = await spendableHolding(
        this.credits,
        tx,
        tenantId,
        creditId,
        request.gpuSeconds,
        now,
      );
      const row: WithdrawalRow = {
        withdrawal_id: withdrawalId,
        credit_id: creditId,
        tenant_id: tenantId,
        address: request.address,
        gpu_seconds: String(request.gpuSeconds),
        state: 'pending',
        transaction_hash: null,
        failure_reason: null,
        request_hash: hash,
        requested_at: now,
        updated_at: now,
      };
      await this.store.insertWithdrawal(tx, row);
      const transactionId = await this.ledger.record(
        tx,
        'compute-credit-withdrawal',
        withdrawalId,
        now,
        creditOnChainMove(creditId, tenantId, amount, 'to-chain'),
      );
      await this.outbox.emit(
        tx,
        ComputeCreditWithdrawn,
        {
          withdrawalId,
          creditId,
          tenantId,
          address: request.address,
          gpuSeconds: request.gpuSeconds,
          amount: money(this.config.BILLING_CURRENCY, amount),
          ledgerTransactionId: transactionId,
          withdrawnAt: now.toISOString(),
        },
        this.origin(tenantId, withdrawalId),
        now,
      );
      return row;
    });
  }

  /** One pass: mint what is pending, confirm what was sent, then read redemptions. */
  async pass(now = new Date()): Promise<void> {
    for (const withdrawal of await this.store.open(this.dataSource.manager, 100)) {
      await this.mintOrConfirm(withdrawal, now).catch((error: unknown) =>
        this.logger.warn(`withdrawal ${withdrawal.withdrawal_id}: ${(error as Error).message}`),
      );
    }
    await this.readRedemptions(now);
  }

  private async mintOrConfirm(withdrawal: WithdrawalRow & { expires_at: Date }, now: Date): Promise<void> {
    const id = withdrawal.withdrawal_id;
    if (withdrawal.state === 'pending') {
      const adopted = (await this.chain.minted(id)) ? await this.chain.mintTransaction(id) : undefined;
      if (adopted) {
        await this.store.advance(this.dataSource.manager, id, 'pending', 'submitted', {
          transactionHash: adopted,
        });
        return;
      }
      if (withdrawal.expires_at.getTime() <= now.getTime()) {
        await this.fail(withdrawal, 'pending', 'the credit expired before its tokens were minted', now);
        return;
      }
      let transactionHash: `0x${string}`;
      try {
        transactionHash = await this.chain.mint(
          id,
          withdrawal.address as `0x${string}`,
          withdrawal.credit_id,
          BigInt(withdrawal.gpu_seconds),
          withdrawal.expires_at,
        );
      } catch (error) {
        // The chain's clock may run ahead of ours (a block's timestamp only ever grows): its word on expiry counts.
        if (!/CreditExpired/.test((error as Error).message)) throw error;
        await this.fail(
          withdrawal,
          'pending',
          'the credit expired on the chain before its tokens were minted',
          now,
        );
        return;
      }
      await this.store.advance(this.dataSource.manager, id, 'pending', 'submitted', { transactionHash });
      return;
    }
    const receipt = await this.chain.reader
      .getTransactionReceipt({ hash: withdrawal.transaction_hash as `0x${string}` })
      .catch(() => undefined);
    if (!receipt) return;
    if (receipt.status !== 'success') {
      // A mint sent twice reverts the second time: the withdrawal was minted, by the other transaction.
      if (await this.chain.minted(id)) {
        await this.store.advance(this.dataSource.manager, id, 'submitted', 'submitted', {
          transactionHash: await this.chain.mintTransaction(id),
        });
        return;
      }
      await this.fail(
        withdrawal,
        'submitted',
        `mint transaction ${withdrawal.transaction_hash} reverted`,
        now,
      );
      return;
    }
    const head = await this.chain.reader.getBlockNumber();
    if (head - receipt.blockNumber + 1n >= this.chain.confirmations) {
      await this.store.advance(this.dataSource.manager, id, 'submitted', 'minted');
    }
  }

  /** A withdrawal the chain will not mint: its GPU-seconds go back to the holding, once. */
  private async fail(
    withdrawal: WithdrawalRow,
    from: 'pending' | 'submitted',
    reason: string,
    now: Date,
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await this.tenants.lock(tx, withdrawal.tenant_id);
      if (
        !(await this.store.advance(tx, withdrawal.withdrawal_id, from, 'failed', { failureReason: reason }))
      )
        return;
      const credit = await this.credits.credit(tx, withdrawal.credit_id);
      const gpuSeconds = Number(withdrawal.gpu_seconds);
      const amount = creditValueMicros(BigInt(credit?.price_per_gpu_hour_micros ?? 0), gpuSeconds);
      await this.restore(tx, withdrawal.credit_id, withdrawal.tenant_id, gpuSeconds, amount, {
        source: 'failed-mint',
        reference: withdrawal.withdrawal_id,
        now,
      });
      this.logger.warn(`withdrawal ${withdrawal.withdrawal_id} failed: ${reason}; its GPU-seconds are back`);
    });
  }

  private async readRedemptions(now: Date): Promise<void> {
    this.genesisHash ??= (await this.chain.reader.getBlock({ blockNumber: 0n })).hash;
    const head = await this.chain.reader.getBlockNumber();
    await this.dataSource.transaction(async (tx) => {
      const query = (sql: string, parameters?: unknown[]) => tx.query(sql, parameters);
      const scanned = await lockChainCursor(
        query,
        this.store.cursor,
        this.genesisHash as string,
        this.chain.startBlock,
        (previous) =>
          this.logger.warn(`the chain's genesis block changed (${previous}): reading it from the start`),
      );
      const window = confirmedWindow(head, this.chain.confirmations, scanned);
      if (!window) return;
      const logs = await this.chain.reader.getContractEvents({
        address: this.chain.address,
        abi: ComputeCreditsAbi,
        eventName: 'Redeemed',
        ...window,
      });
      for (const log of logs) {
        const {
          creditId: tokenId,
          tenantId,
          from,
          gpuSeconds,
        } = log.args as {
          creditId: bigint;
          tenantId: string;
          from: string;
          gpuSeconds: bigint;
        };
        const creditId = creditIdOfToken(tokenId);
        const credit = creditId ? await this.credits.credit(tx, creditId) : undefined;
        const reason = !credit
          ? `token ${tokenId} is no compute credit of this exchange`
          : !IdSchema.safeParse(tenantId).success
            ? `"${tenantId.slice(0, 80)}" is not a valid tenant id`
            : gpuSeconds > BigInt(Number.MAX_SAFE_INTEGER)
              ? 'more GPU-seconds than any credit holds'
              : null;
        const recorded = await this.store.recordRedemption(tx, {
          transaction_hash: log.transactionHash as string,
          log_index: log.logIndex as number,
          block_number: String(log.blockNumber),
          credit_id: creditId ?? tokenId.toString(),
          tenant_id: tenantId.slice(0, 200),
          from_address: from,
          gpu_seconds: gpuSeconds.toString(),
          status: reason ? 'ignored' : 'credited',
          reason,
        });
        if (!recorded) continue;
        if (reason || !credit) {
          this.logger.warn(`redemption ${log.transactionHash}:${log.logIndex} ignored: ${reason}`);
          this.redeemed.inc({ outcome: 'ignored' });
          continue;
        }
        await this.tenants.lock(tx, tenantId);
        await this.credits.addHolder(tx, credit.credit_id, tenantId, now);
        const seconds = Number(gpuSeconds);
        await this.restore(
          tx,
          credit.credit_id,
          tenantId,
          seconds,
          creditValueMicros(BigInt(credit.price_per_gpu_hour_micros), seconds),
          { source: 'chain', reference: `${log.transactionHash}:${log.logIndex}`, now },
        );
        this.redeemed.inc({ outcome: 'credited' });
      }
      await this.lapseOnChain(tx, window.toBlock, now);
      await advanceChainCursor(query, this.store.cursor, window.toBlock);
    });
  }

  /** Once the chain is read up to a credit's expiry, nothing more can be redeemed: what is left lapses. */
  private async lapseOnChain(tx: EntityManager, readUpTo: bigint, now: Date): Promise<void> {
    const block = await this.chain.reader.getBlock({ blockNumber: readUpTo });
    const readUntil = new Date(Number(block.timestamp) * 1000);
    for (const lapsed of await this.store.lapsedOnChain(tx, readUntil)) {
      const amount = BigInt(lapsed.micros);
      const transactionId = await this.ledger.record(
        tx,
        'compute-credit-expiry',
        `${lapsed.credit_id}:on-chain`,
        now,
        creditExpiry(lapsed.credit_id, null, amount),
      );
      await this.outbox.emit(
        tx,
        ComputeCreditExpired,
        {
          creditId: lapsed.credit_id,
          tenantId: null,
          gpuSeconds: creditGpuSeconds(BigInt(lapsed.price_per_gpu_hour_micros), amount),
          amount: money(this.config.BILLING_CURRENCY, amount),
          ledgerTransactionId: transactionId,
          expiredAt: now.toISOString(),
        },
        { correlationId: `credit-${lapsed.credit_id}`, causationId: null },
        now,
      );
    }
  }

  /** GPU-seconds back from the chain (or a failed mint) into a holding: ledger and event. */
  private async restore(
    tx: EntityManager,
    creditId: string,
    tenantId: string,
    gpuSeconds: number,
    amount: bigint,
    how: { source: 'chain' | 'failed-mint'; reference: string; now: Date },
  ): Promise<void> {
    const transactionId = await this.ledger.record(
      tx,
      'compute-credit-redemption',
      how.reference,
      how.now,
      creditOnChainMove(creditId, tenantId, amount, 'from-chain'),
    );
    await this.outbox.emit(
      tx,
      ComputeCreditRedeemed,
      {
        creditId,
        tenantId,
        source: how.source,
        reference: how.reference,
        gpuSeconds,
        amount: money(this.config.BILLING_CURRENCY, amount),
        ledgerTransactionId: transactionId,
        redeemedAt: how.now.toISOString(),
      },
      this.origin(tenantId, how.reference),
      how.now,
    );
  }

  private origin(tenantId: string, subject: string) {
    return {
      correlationId: currentCorrelation()?.correlationId ?? `credit-${subject}`,
      causationId: null,
      tenantId,
    };
  }
}
