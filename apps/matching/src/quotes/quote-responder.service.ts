import { Inject, Injectable } from '@nestjs/common';
import {
  EventEnvelope,
  QuoteAnswered,
  QuoteAnsweredPayload,
  QuoteRequested,
  QuoteRequestedPayload,
} from '@gridex/contracts';
import { RequestHandler } from '@gridex/messaging';
import { AnswersRequests, SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { quoteFor } from '../domain/quote';

/** Answers the gateway's quote requests over Kafka from this replica's offer book (nothing is reserved). */
@Injectable()
@AnswersRequests()
export class QuoteResponder implements RequestHandler<QuoteRequestedPayload, QuoteAnsweredPayload> {
  readonly request = QuoteRequested;
  readonly answer = QuoteAnswered;
  readonly groupSuffix = 'quotes';

  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  respond({ payload: request }: EventEnvelope<QuoteRequestedPayload>): QuoteAnsweredPayload {
    const quote = quoteFor(this.book, request, this.config.MATCHING_CURRENCY);
    return {
      requestId: request.requestId,
      ...(quote.feasible
        ? {
            feasible: true,
            estimatedCost: quote.estimatedCost,
            allocations: quote.allocations.map(
              ({ clusterId, nodeName, networkId, region, gpuProduct, gpus, pricePerGpuHour }) => ({
                clusterId,
                nodeName,
                ...(networkId === undefined ? {} : { networkId }),
                region,
                gpuProduct,
                gpus,
                pricePerGpuHour,
              }),
            ),
            nodesConsidered: quote.allocations.length,
          }
        : {
            feasible: false,
            code: quote.code,
            exclusions: quote.exclusions,
            ...(quote.nearMiss ? { nearMiss: quote.nearMiss } : {}),
            nodesConsidered: quote.nodesConsidered,
          }),
      answeredAt: new Date().toISOString(),
    };
  }
}
