import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, TenantShareSet, TenantShareSetPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { MatchingTables } from '../database/matching-tables';

/** An operator set a tenant's weight: the queue's fair sharing uses it from the next pass (a later setting wins). */
@Injectable()
@ConsumesEvents()
export class SetTenantShareHandler implements EventHandler<TenantShareSetPayload> {
  readonly name = 'matching.set-tenant-share';
  readonly contract = TenantShareSet;

  constructor(@Inject(MatchingTables) private readonly tables: MatchingTables) {}

  async handle(event: EventEnvelope<TenantShareSetPayload>, tx: EntityManager): Promise<void> {
    const { tenantId, weight, setAt } = event.payload;
    await tx.query(
      `INSERT INTO ${this.tables.tenantShares} (tenant_id, weight, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET weight = excluded.weight, updated_at = excluded.updated_at
         WHERE ${this.tables.tenantShares}.updated_at <= excluded.updated_at`,
      [tenantId, weight, setAt],
    );
  }
}
