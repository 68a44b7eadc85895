import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, PayoutRequested, PayoutRequestedPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { PayoutsService } from './payouts.service';

/** A supplier claimed its earnings in rewards: the money goes in flight to the payout provider. */
@Injectable()
@ConsumesEvents()
export class PayOutOnPayoutRequestedHandler implements EventHandler<PayoutRequestedPayload> {
  readonly name = 'billing.pay-out-on-payout-requested';
  readonly contract = PayoutRequested;

  constructor(@Inject(PayoutsService) private readonly payouts: PayoutsService) {}

  async handle(event: EventEnvelope<PayoutRequestedPayload>, tx: EntityManager): Promise<void> {
    await this.payouts.requested(tx, event.payload, event.correlationId);
  }
}
