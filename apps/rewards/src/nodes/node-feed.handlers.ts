import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  CapacityChanged,
  CapacityChangedPayload,
  causedBy,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  SupplierFaultObserved,
  SupplierFaultObservedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { epochBounds } from '../domain/epochs';
import { changeState, effectiveAt } from '../domain/uptime';
import { RewardsTables } from '../rewards-tables';
import { SlashingService } from '../slashing/slashing.service';
import { EpochClock } from '../epochs/epoch-clock';

interface NodeRow {
  node_id: string;
  supplier_id: string;
  verified: boolean;
  online: boolean;
  online_since: Date | null;
  accrued_ms: string;
  revision: string;
}

/**
 * Inventory's capacity feed tells rewards which nodes exist, whose they are, how many GPUs of which product they
 * have, and whether they are online (Ready, not removed) and verified. Uptime accrues per epoch from these
 * changes (`domain/uptime.ts`: a change about a closed epoch takes effect at the open epoch's start). A node
 * whose verification turns `failed` is slashed.
 */
@Injectable()
@ConsumesEvents()
export class NodeFeedHandler implements EventHandler<CapacityChangedPayload> {
  readonly name = 'rewards.track-node-uptime';
  readonly contract = CapacityChanged;

  constructor(
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(EpochClock) private readonly clock: EpochClock,
    @Inject(SlashingService) private readonly slashing: SlashingService,
  ) {}

  async handle(event: EventEnvelope<CapacityChangedPayload>, tx: EntityManager): Promise<void> {
    const node = event.payload;
    // Another network's capacity earns no tokens: Gridex pays that network what it charges, nothing more.
    if (node.networkId !== undefined) return;
    const now = new Date();
    const [row]: NodeRow[] = await tx.query(
      `SELECT * FROM ${this.tables.nodes} WHERE node_id = $1 FOR UPDATE`,
      [node.nodeId],
    );
    if (row && BigInt(row.revision) >= BigInt(node.revision)) return; // a replay or an older revision
    // Read after the node's lock: an epoch close holds every node's lock, so this sees the epoch it left open.
    const openEpoch = await this.clock.openEpoch(tx, now);
    const at = effectiveAt(
      new Date(event.occurredAt),
      epochBounds(this.tables.calendar, openEpoch).start,
      now,
    );
    const verified = node.verification === 'verified';
    const online = node.ready && !node.removed && verified;
    const uptime = changeState(
      row
        ? {
            online: row.online,
            onlineSince: row.online_since ?? undefined,
            accruedMs: Number(row.accrued_ms),
          }
        : { online: false, accruedMs: 0 },
      online,
      at,
    );
    await tx.query(
      `INSERT INTO ${this.tables.nodes} (node_id, supplier_id, gpu_product, gpus, verified, online, online_since,
         accrued_ms, revision, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (node_id) DO UPDATE SET supplier_id = $2, gpu_product = $3, gpus = $4, verified = $5, online = $6,
         online_since = $7, accrued_ms = $8, revision = $9, updated_at = $10`,
      [
        node.nodeId,
        node.supplierId,
        node.gpuProduct,
        node.gpus,
        verified,
        uptime.online,
        uptime.onlineSince ?? null,
        uptime.accruedMs,
        node.revision,
        now,
      ],
    );
    if (node.verification === 'failed' && row?.verified !== false) {
      await this.slashing.slash(
        tx,
        {
          nodeId: node.nodeId,
          supplierId: node.supplierId,
          fault: 'failed-verification',
          sourceEventId: event.eventId,
          detail: `node ${node.nodeName} failed verification (revision ${node.revision})`,
          observedAt: new Date(event.occurredAt),
        },
        causedBy(event),
        now,
      );
    }
  }
}

/** The orchestrator saw work fail because of a supplier's node: slash the node's stake. */
@Injectable()
@ConsumesEvents()
export class SupplierFaultHandler implements EventHandler<SupplierFaultObservedPayload> {
  readonly name = 'rewards.slash-on-supplier-fault';
  readonly contract = SupplierFaultObserved;

  constructor(
    @Inject(RewardsTables) private readonly tables: RewardsTables,
    @Inject(SlashingService) private readonly slashing: SlashingService,
  ) {}

  async handle(event: EventEnvelope<SupplierFaultObservedPayload>, tx: EntityManager): Promise<void> {
    const fault = event.payload;
    const nodeId = deterministicUuid(IdNamespaces.node, fault.clusterId, fault.nodeName);
    const [node]: Array<{ supplier_id: string }> = await tx.query(
      `SELECT supplier_id FROM ${this.tables.nodes} WHERE node_id = $1`,
      [nodeId],
    );
    if (!node) return; // a node rewards never saw offered has no stake to slash
    await this.slashing.slash(
      tx,
      {
        nodeId,
        supplierId: node.supplier_id,
        fault: fault.kind,
        sourceEventId: event.eventId,
        jobId: fault.jobId,
        detail: fault.detail,
        observedAt: new Date(fault.observedAt),
      },
      causedBy(event),
      new Date(),
    );
  }
}
