import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import {
  QuoteAnswered,
  QuoteAnsweredPayload,
  QuoteRequested,
  QuoteRequestedPayload,
} from '@gridex/contracts';
import { RequestResponder } from '@gridex/messaging';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { quoteFor } from '../domain/quote';

/** Answers the gateway's quote requests over Kafka from this replica's offer book (nothing is reserved). */
@Injectable()
export class QuoteResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly responder: RequestResponder<QuoteRequestedPayload, QuoteAnsweredPayload>;

  constructor(
    @Inject(Kafka) kafka: Kafka,
    @Inject(OfferBook) book: OfferBook,
    @Inject(SERVICE_CONFIG) config: MatchingConfig,
  ) {
    this.responder = new RequestResponder({
      kafka,
      groupId: `${config.KAFKA_CONSUMER_GROUP}-quotes`,
      request: QuoteRequested,
      answer: QuoteAnswered,
      respond: ({ payload: request }: { payload: QuoteRequestedPayload }) => {
        const quote = quoteFor(book, request, config.MATCHING_CURRENCY);
        return {
          requestId: request.requestId,
          ...(quote.feasible
            ? {
                feasible: true,
                estimatedCost: quote.estimatedCost,
                allocations: quote.allocations.map(
                  ({ clusterId, nodeName, region, gpuProduct, gpus, pricePerGpuHour }) => ({
                    clusterId,
                    nodeName,
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
      },
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.responder.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.responder.stop();
  }
}
