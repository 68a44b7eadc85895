import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ServiceMetrics } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { payoutPostings, payoutReversalPostings } from '../domain/token-ledger';
import { RewardsTables } from '../rewards-tables';
import { TokenLedger } from './token-ledger';
import { TOKEN_PAYOUT_RAIL, TokenPayoutOrder, TokenPayoutRail } from './token-payout-rail';

interface TokenLeg {
  payout_id: string;
  supplier_id: string;
  token_units: string;
  tokens_status: 'requested' | 'submitted';
  tokens_tx_hash: string | null;
}

/**
 * Pays the token legs of claims through the configured rail, every REWARDS_TOKEN_PAYOUT_CHECK_SECONDS. A leg goes
 * `requested` → (`submitted` →) `paid`, posting `pending-payout → withdrawn`, or `failed`, posting
 * `pending-payout → available` (the supplier may claim again). Each leg is locked (SKIP LOCKED) while it is
 * worked on, so replicas share the work and never send one leg twice; what the rail was told is recorded before
 * the next step, so a restart resumes where it stopped.
 */
@Injectable()
export class TokenPayouts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly paid;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
    @Inject(TOKEN_PAYOUT_RAIL) private readonly rail: TokenPayoutRail,
    @Inject(SERVICE_CONFIG) config: RewardsConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.paid = metrics.counter('token_payouts_total', 'Token payouts finished, by outcome', ['outcome']);
    this.task = new PeriodicTask(
      new Logger(TokenPayouts.name),
      'token payouts',
      config.REWARDS_TOKEN_PAYOUT_CHECK_SECONDS * 1000,
      () => this.payPending().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over the unfinished legs (at most `limit`); returns how many finished (paid or failed). */
  async payPending(limit = 500): Promise<number> {
    let finished = 0;
    const ids: Array<{ payout_id: string }> = await this.dataSource.query(
      `SELECT payout_id FROM ${this.tables.payouts} WHERE tokens_status IN ('requested', 'submitted')
       ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    for (const { payout_id: payoutId } of ids) {
      if (await this.dataSource.transaction((tx) => this.advance(tx, payoutId))) finished += 1;
    }
    return finished;
  }

  private async advance(tx: EntityManager, payoutId: string): Promise<boolean> {
    const [leg]: TokenLeg[] = await tx.query(
      `SELECT payout_id, supplier_id, token_units, tokens_status, tokens_tx_hash FROM ${this.tables.payouts}
       WHERE payout_id = $1 AND tokens_status IN ('requested', 'submitted') FOR UPDATE SKIP LOCKED`,
      [payoutId],
    );
    if (!leg) return false;
    const order: TokenPayoutOrder = {
      payoutId: leg.payout_id,
      supplierId: leg.supplier_id,
      units: BigInt(leg.token_units),
    };
    if (leg.tokens_status === 'submitted' && leg.tokens_tx_hash) {
      const state = await this.rail.check(order, leg.tokens_tx_hash);
      if (state === 'pending') return false;
      return this.finish(tx, order, state === 'paid' ? undefined : 'the transfer failed on the chain');
    }
    const sent = await this.rail.send(order);
    if (sent.outcome === 'submitted') {
      await tx.query(
        `UPDATE ${this.tables.payouts} SET tokens_status = 'submitted', tokens_tx_hash = $2, updated_at = now()
         WHERE payout_id = $1`,
        [order.payoutId, sent.transactionHash],
      );
      return false;
    }
    return this.finish(tx, order, sent.outcome === 'refused' ? sent.reason : undefined);
  }

  private async finish(
    tx: EntityManager,
    order: TokenPayoutOrder,
    failure: string | undefined,
  ): Promise<boolean> {
    await this.ledger.post(tx, {
      kind: failure ? 'payout-reversal' : 'payout',
      reference: order.payoutId,
      occurredAt: new Date(),
      postings: failure
        ? payoutReversalPostings(order.supplierId, order.units)
        : payoutPostings(order.supplierId, order.units),
    });
    await tx.query(
      `UPDATE ${this.tables.payouts} SET tokens_status = $2, failure_reason = coalesce($3, failure_reason),
         updated_at = now() WHERE payout_id = $1`,
      [order.payoutId, failure ? 'failed' : 'paid', failure ?? null],
    );
    this.paid.inc({ outcome: failure ? 'failed' : 'paid' });
    return true;
  }
}
