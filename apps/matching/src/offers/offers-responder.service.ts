import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  EventEnvelope,
  OffersAnswered,
  OffersAnsweredPayload,
  OffersRequested,
  OffersRequestedPayload,
} from '@gridex/contracts';
import { RequestHandler } from '@gridex/messaging';
import { AnswersRequests } from '@gridex/runtime';
import { OfferSearch } from './offer-search.service';

/**
 * Answers the gateway's offer searches over Kafka with the same search as the HTTP route; an invalid query is
 * answered with its problem, which the gateway passes on as a 400.
 */
@Injectable()
@AnswersRequests()
export class OffersResponder implements RequestHandler<OffersRequestedPayload, OffersAnsweredPayload> {
  readonly request = OffersRequested;
  readonly answer = OffersAnswered;
  readonly groupSuffix = 'offers';

  constructor(@Inject(OfferSearch) private readonly offers: OfferSearch) {}

  respond({ payload: request }: EventEnvelope<OffersRequestedPayload>): OffersAnsweredPayload {
    const answeredAt = new Date().toISOString();
    try {
      return { ...this.offers.search(request.query), requestId: request.requestId, answeredAt };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return {
        requestId: request.requestId,
        items: [],
        problem: { code: error.code, detail: error.message, errors: error.fields },
        answeredAt,
      };
    }
  }
}
