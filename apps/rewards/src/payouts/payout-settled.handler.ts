import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, PayoutSettled, PayoutSettledPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { PayoutsService } from './payouts.service';

/** Billing paid (or reversed) a payout's money: the supplier's payout shows it. */
@Injectable()
@ConsumesEvents()
export class PayoutStatusOnPayoutSettledHandler implements EventHandler<PayoutSettledPayload> {
  readonly name = 'rewards.payout-status-on-payout-settled';
  readonly contract = PayoutSettled;

  constructor(@Inject(PayoutsService) private readonly payouts: PayoutsService) {}

  async handle(event: EventEnvelope<PayoutSettledPayload>, tx: EntityManager): Promise<void> {
    await this.payouts.earningsSettled(tx, event.payload);
  }
}
