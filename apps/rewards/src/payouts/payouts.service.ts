import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deterministicUuid, IdNamespaces, money, PayoutRequested } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { RewardsError } from '../domain/staking';
import { RewardsTables } from '../rewards-tables';

export interface Claim {
  supplierId: string;
  idempotencyKey: string;
  earningsMicros: bigint;
  tokenUnits: bigint;
  correlationId: string;
}

export interface PayoutView {
  payoutId: string;
  supplierId: string;
  earnings: { currency: string; micros: string };
  tokenUnits: string;
  requestedAt: string;
}

/**
 * Claims: a supplier takes out earnings (money) and/or tokens, each part at least its minimum and at most what is
 * available. Idempotent by (supplier, key): a retry returns the first payout; the same key with another amount
 * is refused. The balance check and the debit happen under the supplier's row lock, and PostgreSQL refuses a
 * balance below zero in any case (CHECK constraints).
 */
@Injectable()
export class PayoutsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: RewardsConfig,
  ) {}

  async claim(claim: Claim, now = new Date()): Promise<PayoutView> {
    if (claim.earningsMicros === 0n && claim.tokenUnits === 0n) {
      throw new RewardsError('REWARDS.EMPTY_CLAIM', 'a claim needs earnings or tokens');
    }
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${this.tables.accounts} (supplier_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
        claim.supplierId,
      ]);
      const [account]: Array<{
        earned_micros: string;
        paid_micros: string;
        tokens_earned: string;
        tokens_paid: string;
      }> = await tx.query(`SELECT * FROM ${this.tables.accounts} WHERE supplier_id = $1 FOR UPDATE`, [
        claim.supplierId,
      ]);
      const [earlier]: Array<{
        payout_id: string;
        earnings_micros: string;
        token_units: string;
        requested_at: Date;
      }> = await tx.query(
        `SELECT * FROM ${this.tables.payouts} WHERE supplier_id = $1 AND idempotency_key = $2`,
        [claim.supplierId, claim.idempotencyKey],
      );
      if (earlier) {
        if (
          BigInt(earlier.earnings_micros) !== claim.earningsMicros ||
          BigInt(earlier.token_units) !== claim.tokenUnits
        ) {
          throw new RewardsError(
            'REWARDS.IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a claim of other amounts',
          );
        }
        return this.view(claim.supplierId, earlier);
      }
      const availableMicros = BigInt(account.earned_micros) - BigInt(account.paid_micros);
      const availableUnits = BigInt(account.tokens_earned) - BigInt(account.tokens_paid);
      this.check('earnings', claim.earningsMicros, availableMicros, this.config.REWARDS_MIN_PAYOUT_MICROS);
      this.check('tokens', claim.tokenUnits, availableUnits, this.config.REWARDS_MIN_PAYOUT_UNITS);
      const payoutId = deterministicUuid(IdNamespaces.payout, claim.supplierId, claim.idempotencyKey);
      await tx.query(
        `UPDATE ${this.tables.accounts} SET paid_micros = paid_micros + $2, tokens_paid = tokens_paid + $3
         WHERE supplier_id = $1`,
        [claim.supplierId, claim.earningsMicros.toString(), claim.tokenUnits.toString()],
      );
      await tx.query(
        `INSERT INTO ${this.tables.payouts} (supplier_id, idempotency_key, payout_id, earnings_micros, token_units,
           requested_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          claim.supplierId,
          claim.idempotencyKey,
          payoutId,
          claim.earningsMicros.toString(),
          claim.tokenUnits.toString(),
          now,
        ],
      );
      await this.outbox.emit(
        tx,
        PayoutRequested,
        {
          payoutId,
          supplierId: claim.supplierId,
          earnings: money(this.config.REWARDS_CURRENCY, claim.earningsMicros),
          tokenUnits: claim.tokenUnits.toString(),
          earningsPaidTotalMicros: (BigInt(account.paid_micros) + claim.earningsMicros).toString(),
          tokenUnitsPaidTotal: (BigInt(account.tokens_paid) + claim.tokenUnits).toString(),
          requestedAt: now.toISOString(),
        },
        { correlationId: claim.correlationId, causationId: null },
        now,
      );
      return this.view(claim.supplierId, {
        payout_id: payoutId,
        earnings_micros: claim.earningsMicros.toString(),
        token_units: claim.tokenUnits.toString(),
        requested_at: now,
      });
    });
  }

  private check(what: string, amount: bigint, available: bigint, minimum: bigint): void {
    if (amount === 0n) return;
    if (amount < 0n) throw new RewardsError('REWARDS.INVALID_AMOUNT', `${what} must not be negative`);
    if (amount < minimum) {
      throw new RewardsError('REWARDS.CLAIM_BELOW_MINIMUM', `a claim of ${what} must be at least ${minimum}`);
    }
    if (amount > available) {
      throw new RewardsError(
        'REWARDS.CLAIM_EXCEEDS_BALANCE',
        `cannot claim ${amount} of ${what}: ${available} is available`,
      );
    }
  }

  private view(
    supplierId: string,
    row: { payout_id: string; earnings_micros: string; token_units: string; requested_at: Date },
  ): PayoutView {
    return {
      payoutId: row.payout_id,
      supplierId,
      earnings: money(this.config.REWARDS_CURRENCY, BigInt(row.earnings_micros)),
      tokenUnits: String(row.token_units),
      requestedAt: new Date(row.requested_at).toISOString(),
    };
  }
}
