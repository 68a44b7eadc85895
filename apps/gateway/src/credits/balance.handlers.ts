import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  ComputeCreditPurchased,
  ComputeCreditPurchasedPayload,
  CreditAdded,
  CreditAddedPayload,
  CreditDeclined,
  CreditDeclinedPayload,
  EventContract,
  EventEnvelope,
  HoldPlaced,
  HoldPlacedPayload,
  HoldReleased,
  HoldReleasedPayload,
  UsageRecorded,
  UsageRecordedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

/** The money read model's tables. */
@Injectable()
export class MoneyTables {
  readonly balances: string;
  readonly topUps: string;
  readonly usage: string;
  readonly supplierEarnings: string;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.supplierEarnings = qualified(config.DATABASE_SCHEMA, 'supplier_earnings');
    this.usage = qualified(config.DATABASE_SCHEMA, 'usage');
    this.balances = qualified(config.DATABASE_SCHEMA, 'balances');
    this.topUps = qualified(config.DATABASE_SCHEMA, 'top_ups');
  }
}

/**
 * Each finance event moves a tenant's available and held credit by the amounts it states — the same movement the
 * ledger made — so the gateway's balance equals billing's once the events have arrived, in whatever order. An
 * event about a reservation a compute credit paid (`computeCreditId`) moved the credit's accounts, not the
 * tenant's money, and changes nothing here (the credit's balance is billing's to answer).
 */
abstract class BalanceDeltaHandler<
  T extends { tenantId: string; computeCreditId?: string },
> implements EventHandler<T> {
  abstract readonly name: string;
  abstract readonly contract: EventContract<T>;

  constructor(@Inject(MoneyTables) protected readonly tables: MoneyTables) {}

  /** Change of available and held, in micro-units. */
  protected abstract delta(payload: T): [bigint, bigint];

  async handle(event: EventEnvelope<T>, tx: EntityManager): Promise<void> {
    if (event.payload.computeCreditId) return;
    const [available, held] = this.delta(event.payload);
    await tx.query(
      `INSERT INTO ${this.tables.balances} (tenant_id, available_micros, held_micros) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET available_micros = ${this.tables.balances}.available_micros + $2,
         held_micros = ${this.tables.balances}.held_micros + $3, updated_at = now()`,
      [event.payload.tenantId, available.toString(), held.toString()],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class CreditAddedBalanceHandler extends BalanceDeltaHandler<CreditAddedPayload> {
  readonly name = 'gateway.balance-credit-added';
  readonly contract = CreditAdded;

  protected delta(p: CreditAddedPayload): [bigint, bigint] {
    return [BigInt(p.amount.micros), 0n];
  }

  override async handle(event: EventEnvelope<CreditAddedPayload>, tx: EntityManager): Promise<void> {
    await super.handle(event, tx);
    await tx.query(
      `UPDATE ${this.tables.topUps} SET status = 'credited', updated_at = now() WHERE top_up_id = $1`,
      [event.payload.topUpId],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class HoldPlacedBalanceHandler extends BalanceDeltaHandler<HoldPlacedPayload> {
  readonly name = 'gateway.balance-hold-placed';
  readonly contract = HoldPlaced;

  protected delta(p: HoldPlacedPayload): [bigint, bigint] {
    return [-BigInt(p.amount.micros), BigInt(p.amount.micros)];
  }
}

@Injectable()
@ConsumesEvents()
export class UsageRecordedBalanceHandler extends BalanceDeltaHandler<UsageRecordedPayload> {
  readonly name = 'gateway.balance-usage-recorded';
  readonly contract = UsageRecorded;

  protected delta(p: UsageRecordedPayload): [bigint, bigint] {
    const fromHeld = BigInt(p.fromHeldMicros);
    return [-(BigInt(p.chargedMicros) - fromHeld), -fromHeld];
  }
}

@Injectable()
@ConsumesEvents()
export class HoldReleasedBalanceHandler extends BalanceDeltaHandler<HoldReleasedPayload> {
  readonly name = 'gateway.balance-hold-released';
  readonly contract = HoldReleased;

  protected delta(p: HoldReleasedPayload): [bigint, bigint] {
    return [BigInt(p.amount.micros), -BigInt(p.amount.micros)];
  }
}

/** A compute credit bought: its price left the tenant's money. */
@Injectable()
@ConsumesEvents()
export class ComputeCreditPurchasedBalanceHandler extends BalanceDeltaHandler<ComputeCreditPurchasedPayload> {
  readonly name = 'gateway.balance-compute-credit-purchased';
  readonly contract = ComputeCreditPurchased;

  protected delta(p: ComputeCreditPurchasedPayload): [bigint, bigint] {
    return [-BigInt(p.amount.micros), 0n];
  }
}

/** A top-up the payment provider refused: the client sees why. */
@Injectable()
@ConsumesEvents()
export class CreditDeclinedHandler implements EventHandler<CreditDeclinedPayload> {
  readonly name = 'gateway.top-up-declined';
  readonly contract = CreditDeclined;

  constructor(@Inject(MoneyTables) private readonly tables: MoneyTables) {}

  async handle(event: EventEnvelope<CreditDeclinedPayload>, tx: EntityManager): Promise<void> {
    await tx.query(
      `UPDATE ${this.tables.topUps} SET status = 'declined', reason = $2, updated_at = now() WHERE top_up_id = $1`,
      [event.payload.topUpId, event.payload.reason],
    );
  }
}
