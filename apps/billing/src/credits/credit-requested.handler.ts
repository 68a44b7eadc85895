import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CreditRequested, CreditRequestedPayload, EventEnvelope } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CreditsService } from './credits.service';

/** A client asked the gateway for a top-up: charge the payment method, then credit or decline. */
@Injectable()
@ConsumesEvents()
export class TopUpOnCreditRequestedHandler implements EventHandler<CreditRequestedPayload> {
  readonly name = 'billing.top-up-on-credit-requested';
  readonly contract = CreditRequested;

  constructor(@Inject(CreditsService) private readonly credits: CreditsService) {}

  async handle(event: EventEnvelope<CreditRequestedPayload>, tx: EntityManager): Promise<void> {
    await this.credits.topUpRequested(tx, event.payload, event.correlationId);
  }
}
