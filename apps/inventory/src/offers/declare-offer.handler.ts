import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, EventEnvelope, microsOf, OfferDeclared, OfferDeclaredPayload } from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryConfig } from '../config/inventory.config';
import { InventoryTables } from '../database/inventory-tables';
import { offerProblems, OfferTerms } from '../domain/offer-rules';

/**
 * Stores a supplier's offer for one of its pools (replacing the previous one) and republishes the pool's nodes.
 * An invalid offer is refused whole with every problem named; nothing of it is stored.
 */
@Injectable()
@ConsumesEvents()
export class DeclareOfferHandler implements EventHandler<OfferDeclaredPayload> {
  readonly name = 'inventory.declare-offer';
  readonly contract = OfferDeclared;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<OfferDeclaredPayload>, tx: EntityManager): Promise<void> {
    const declared = event.payload;
    const offer: OfferTerms = {
      supplierId: declared.supplierId,
      pool: declared.pool,
      currency: declared.pricePerGpuHour.currency,
      pricePerGpuHourMicros: microsOf(declared.pricePerGpuHour),
      ...(declared.interruptiblePricePerGpuHour
        ? { interruptiblePricePerGpuHourMicros: microsOf(declared.interruptiblePricePerGpuHour) }
        : {}),
      minLeaseSeconds: declared.minLeaseSeconds,
      ...(declared.maxLeaseSeconds === undefined ? {} : { maxLeaseSeconds: declared.maxLeaseSeconds }),
      validFrom: Date.parse(declared.validFrom),
      ...(declared.validUntil === undefined ? {} : { validUntil: Date.parse(declared.validUntil) }),
      nodeOverrides: (declared.nodeOverrides ?? []).map((override) => ({
        nodeName: override.nodeName,
        pricePerGpuHourMicros: microsOf(override.pricePerGpuHour),
      })),
    };
    const owners: Array<{ supplier_id: string }> = await tx.query(
      `SELECT DISTINCT supplier_id FROM ${this.tables.nodes} WHERE pool = $1 AND NOT removed`,
      [offer.pool],
    );
    const nodes: Array<{ node_id: string; node_name: string }> = await tx.query(
      `SELECT node_id, node_name FROM ${this.tables.nodes} WHERE supplier_id = $1 AND pool = $2 AND NOT removed`,
      [offer.supplierId, offer.pool],
    );
    const problems = offerProblems(offer, {
      currency: this.config.SETTLEMENT_CURRENCY,
      maxPricePerGpuHourMicros: BigInt(this.config.MAX_PRICE_PER_GPU_HOUR_MICROS),
      poolOwners: new Map([[offer.pool, new Set(owners.map((o) => o.supplier_id))]]),
      poolNodes: new Map([[`${offer.supplierId}/${offer.pool}`, new Set(nodes.map((n) => n.node_name))]]),
    });
    if (problems.length > 0) {
      throw new RejectedEventError(
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        problems[0].code,
      );
    }
    await tx.query(
      `INSERT INTO ${this.tables.offers} (supplier_id, pool, offer_id, currency, price_micros, interruptible_price_micros,
         min_lease_seconds, max_lease_seconds, valid_from, valid_until, declared_at, node_overrides)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (supplier_id, pool) DO UPDATE SET offer_id = $3, currency = $4, price_micros = $5,
         interruptible_price_micros = $6, min_lease_seconds = $7, max_lease_seconds = $8, valid_from = $9,
         valid_until = $10, declared_at = $11, node_overrides = $12`,
      [
        offer.supplierId,
        offer.pool,
        declared.offerId,
        offer.currency,
        offer.pricePerGpuHourMicros.toString(),
        offer.interruptiblePricePerGpuHourMicros?.toString() ?? null,
        offer.minLeaseSeconds,
        offer.maxLeaseSeconds ?? null,
        declared.validFrom,
        declared.validUntil ?? null,
        event.occurredAt,
        // Stored as the feed reads them back: micro-units as strings, so no price passes through a float.
        JSON.stringify(
          (offer.nodeOverrides ?? []).map((o) => ({
            nodeName: o.nodeName,
            micros: o.pricePerGpuHourMicros.toString(),
          })),
        ),
      ],
    );
    await this.feed.publish(
      tx,
      nodes.map((node) => node.node_id),
      causedBy(event),
    );
  }
}
