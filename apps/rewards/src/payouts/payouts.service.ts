import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  deterministicUuid,
  IdNamespaces,
  money,
  PayoutRequested,
  PayoutSettledPayload,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { RewardsError } from '../domain/staking';
import { claimPostings, TokenAccounts } from '../domain/token-ledger';
import { lockSupplier, RewardsTables } from '../rewards-tables';
import { TokenLedger } from '../tokens/token-ledger';

export interface Claim {
  supplierId: string;
  idempotencyKey: string;
  earningsMicros: bigint;
  tokenUnits: bigint;
  correlationId: string;
}

export interface PayoutRow {
  payout_id: string;
  supplier_id: string;
  earnings_micros: string;
  token_units: string;
  requested_at: Date;
  earnings_status: PayoutLegStatus;
  earnings_reference: string | null;
  tokens_status: PayoutLegStatus;
  tokens_tx_hash: string | null;
  failure_reason: string | null;
  updated_at: Date | null;
}

/** A leg's progress: `none` (not claimed), `requested`, `submitted` (tokens: sent to the chain), `paid`, `failed`. */
export type PayoutLegStatus = 'none' | 'requested' | 'submitted' | 'paid' | 'failed';

export interface PayoutView {
  payoutId: string;
  supplierId: string;
  earnings: { currency: string; micros: string };
  earningsStatus: PayoutLegStatus;
  /** The payout provider's reference for the money transfer. */
  providerReference: string | null;
  tokenUnits: string;
  tokensStatus: PayoutLegStatus;
  /** The token transfer's transaction hash on the chain (null off the chain). */
  transactionHash: string | null;
  failureReason: string | null;
  requestedAt: string;
  updatedAt: string;
}

function payoutView(currency: string, row: PayoutRow): PayoutView {
  return {
    payoutId: row.payout_id,
    supplierId: row.supplier_id,
    earnings: money(currency, BigInt(row.earnings_micros)),
    earningsStatus: row.earnings_status,
    providerReference: row.earnings_reference,
    tokenUnits: String(row.token_units),
    tokensStatus: row.tokens_status,
    transactionHash: row.tokens_tx_hash,
    failureReason: row.failure_reason,
    requestedAt: new Date(row.requested_at).toISOString(),
    updatedAt: new Date(row.updated_at ?? row.requested_at).toISOString(),
  };
}

/**
 * Claims: a supplier takes out earnings (money) and/or tokens, each part at least its minimum and at most what is
 * available. Idempotent by (supplier, key): a retry returns the first payout; the same key with another amount
 * is refused. The balance check and the debit happen under the supplier's lock, and PostgreSQL refuses a
 * negative balance in any case. The money leg is billing's to pay (`payout-requested` → `payout-settled`); the
 * token leg moves `available → pending-payout` here and is paid by {@link TokenPayouts}.
 */
@Injectable()
export class PayoutsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
    @Inject(SERVICE_CONFIG) private readonly config: RewardsConfig,
  ) {}

  async claim(claim: Claim, now = new Date()): Promise<PayoutView> {
    if (claim.earningsMicros === 0n && claim.tokenUnits === 0n) {
      throw new RewardsError('REWARDS.EMPTY_CLAIM', 'a claim needs earnings or tokens');
    }
    return this.dataSource.transaction(async (tx) => {
      const account = await lockSupplier(tx, this.tables, claim.supplierId);
      const [earlier]: PayoutRow[] = await tx.query(
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
        return payoutView(this.config.REWARDS_CURRENCY, earlier);
      }
      const available = TokenAccounts.available(claim.supplierId);
      const availableUnits = (await this.ledger.balancesOf(tx, [available])).get(available) ?? 0n;
      this.check(
        'earnings',
        claim.earningsMicros,
        account.earnedMicros - account.paidMicros,
        this.config.REWARDS_MIN_PAYOUT_MICROS,
      );
      this.check('tokens', claim.tokenUnits, availableUnits, this.config.REWARDS_MIN_PAYOUT_UNITS);
      const payoutId = deterministicUuid(IdNamespaces.payout, claim.supplierId, claim.idempotencyKey);
      await tx.query(
        `UPDATE ${this.tables.accounts} SET paid_micros = paid_micros + $2 WHERE supplier_id = $1`,
        [claim.supplierId, claim.earningsMicros.toString()],
      );
      if (claim.tokenUnits > 0n) {
        await this.ledger.post(tx, {
          kind: 'claim',
          reference: payoutId,
          occurredAt: now,
          postings: claimPostings(claim.supplierId, claim.tokenUnits),
        });
      }
      const [row]: PayoutRow[] = await tx.query(
        `INSERT INTO ${this.tables.payouts} (supplier_id, idempotency_key, payout_id, earnings_micros, token_units,
           requested_at, earnings_status, tokens_status, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6) RETURNING *`,
        [
          claim.supplierId,
          claim.idempotencyKey,
          payoutId,
          claim.earningsMicros.toString(),
          claim.tokenUnits.toString(),
          now,
          claim.earningsMicros > 0n ? 'requested' : 'none',
          claim.tokenUnits > 0n ? 'requested' : 'none',
        ],
      );
      const [{ tokens_claimed: tokensClaimed }]: Array<{ tokens_claimed: string }> = await tx.query(
        `SELECT coalesce(sum(token_units), 0)::text AS tokens_claimed FROM ${this.tables.payouts}
         WHERE supplier_id = $1 AND tokens_status <> 'failed'`,
        [claim.supplierId],
      );
      await this.outbox.emit(
        tx,
        PayoutRequested,
        {
          payoutId,
          supplierId: claim.supplierId,
          earnings: money(this.config.REWARDS_CURRENCY, claim.earningsMicros),
          tokenUnits: claim.tokenUnits.toString(),
          earningsPaidTotalMicros: (account.paidMicros + claim.earningsMicros).toString(),
          tokenUnitsPaidTotal: tokensClaimed,
          requestedAt: now.toISOString(),
        },
        { correlationId: claim.correlationId, causationId: null },
        now,
      );
      return payoutView(this.config.REWARDS_CURRENCY, row);
    });
  }

  /** The supplier's payouts, newest first, each with the status of its money and token legs. */
  async list(supplierId: string, limit: number, before?: [requestedAt: string, payoutId: string]) {
    const rows: PayoutRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.tables.payouts} WHERE supplier_id = $1
         AND ($2::timestamptz IS NULL OR (requested_at, payout_id) < ($2::timestamptz, $3::uuid))
       ORDER BY requested_at DESC, payout_id DESC LIMIT $4`,
      [supplierId, before?.[0] ?? null, before?.[1] ?? null, limit],
    );
    return rows.map((row) => payoutView(this.config.REWARDS_CURRENCY, row));
  }

  /**
   * Billing's answer about a payout's money (`payout-settled`): paid, or failed, in which case the claimed
   * earnings become claimable again (billing has put them back in the supplier's payable). Applied once: only a
   * `requested` leg changes.
   */
  async earningsSettled(tx: EntityManager, settled: PayoutSettledPayload): Promise<void> {
    await lockSupplier(tx, this.tables, settled.supplierId);
    // TypeORM answers an UPDATE as [rows, count].
    const [[row]]: [PayoutRow[], number] = await tx.query(
      `UPDATE ${this.tables.payouts} SET earnings_status = $2, earnings_reference = $3,
         failure_reason = coalesce($4, failure_reason), updated_at = $5
       WHERE payout_id = $1 AND earnings_status = 'requested' RETURNING *`,
      [
        settled.payoutId,
        settled.outcome,
        settled.providerReference,
        settled.reason,
        new Date(settled.settledAt),
      ],
    );
    if (row && settled.outcome === 'failed') {
      await tx.query(
        `UPDATE ${this.tables.accounts} SET paid_micros = paid_micros - $2 WHERE supplier_id = $1`,
        [settled.supplierId, row.earnings_micros],
      );
    }
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
}
