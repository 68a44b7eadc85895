import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  deterministicUuid,
  EventOrigin,
  IdNamespaces,
  StakeSlashed,
  StakeSlashedPayload,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { slashShareBps, slashUnits, SlashPolicy } from '../domain/slashing';
import { slashPostings, TokenAccounts } from '../domain/token-ledger';
import { RewardsTables } from '../rewards-tables';
import { TokenLedger } from '../tokens/token-ledger';

export interface Fault {
  nodeId: string;
  supplierId: string;
  fault: StakeSlashedPayload['fault'];
  sourceEventId: string;
  jobId?: string;
  detail: string;
  observedAt: Date;
}

/**
 * Slashes a node's stake for a supplier-caused fault: one slash per reporting event (its id names the slash), a
 * share that escalates with the node's faults in the window, recorded with its evidence. A fault on a node with
 * no stake is recorded too (zero units), so it still counts towards escalation. Slashed tokens move from the
 * node's `bonded` account to `platform:burned`.
 */
@Injectable()
export class SlashingService {
  private readonly policy: SlashPolicy;
  private readonly slashed;

  constructor(
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(TokenLedger) private readonly ledger: TokenLedger,
    @Inject(SERVICE_CONFIG) config: RewardsConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.policy = {
      baseBps: config.REWARDS_SLASH_BASE_BPS,
      repeatMultiplier: config.REWARDS_SLASH_REPEAT_MULTIPLIER,
      maxBps: config.REWARDS_SLASH_MAX_BPS,
      windowMs: config.REWARDS_SLASH_WINDOW_SECONDS * 1000,
    };
    this.slashed = metrics.counter('slashes_total', 'Supplier faults slashed, by fault', ['fault']);
  }

  async slash(tx: EntityManager, fault: Fault, origin: EventOrigin, now: Date): Promise<void> {
    const slashId = deterministicUuid(IdNamespaces.slash, fault.sourceEventId, fault.nodeId);
    // The node's stake row is its lock (stake and unstake take it too); the stake itself is the ledger's.
    await tx.query(`SELECT 1 FROM ${this.tables.stakes} WHERE node_id = $1 FOR UPDATE`, [fault.nodeId]);
    const bonded = TokenAccounts.bonded(fault.nodeId);
    const staked = (await this.ledger.balancesOf(tx, [bonded])).get(bonded) ?? 0n;
    const [{ prior }]: Array<{ prior: number }> = await tx.query(
      `SELECT count(*)::int AS prior FROM ${this.tables.slashes} WHERE node_id = $1 AND slashed_at > $2`,
      [fault.nodeId, new Date(now.getTime() - this.policy.windowMs)],
    );
    const faultsInWindow = prior + 1;
    const shareBps = slashShareBps(this.policy, faultsInWindow);
    const units = slashUnits(staked, shareBps);
    const evidence = {
      sourceEventId: fault.sourceEventId,
      ...(fault.jobId ? { jobId: fault.jobId } : {}),
      detail: fault.detail.slice(0, 1000),
      observedAt: fault.observedAt.toISOString(),
    };
    const inserted: unknown[] = await tx.query(
      `INSERT INTO ${this.tables.slashes} (slash_id, node_id, supplier_id, fault, faults_in_window, share_bps, units,
         stake_after, evidence, slashed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING slash_id`,
      [
        slashId,
        fault.nodeId,
        fault.supplierId,
        fault.fault,
        faultsInWindow,
        shareBps,
        units.toString(),
        (staked - units).toString(),
        JSON.stringify(evidence),
        now,
      ],
    );
    if (inserted.length === 0) return;
    if (units > 0n) {
      await this.ledger.post(tx, {
        kind: 'slash',
        reference: slashId,
        occurredAt: now,
        postings: slashPostings(fault.nodeId, units),
      });
    }
    this.slashed.inc({ fault: fault.fault });
    await this.outbox.emit(
      tx,
      StakeSlashed,
      {
        slashId,
        supplierId: fault.supplierId,
        nodeId: fault.nodeId,
        fault: fault.fault,
        faultsInWindow,
        shareBasisPoints: shareBps,
        slashedUnits: units.toString(),
        stakeAfterUnits: (staked - units).toString(),
        evidence,
        slashedAt: now.toISOString(),
      },
      origin,
      now,
    );
  }
}
