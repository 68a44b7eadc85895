import {
  HttpException,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import {
  OffersAnswered,
  OffersAnsweredPayload,
  OffersRequested,
  OffersRequestedPayload,
} from '@gridex/contracts';
import { RequestResponder } from '@gridex/messaging';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';
import { OfferSearch } from './offer-search.service';

/**
 * Answers the gateway's offer searches over Kafka with the same search as the HTTP route; an invalid query is
 * answered with its problem, which the gateway passes on as a 400.
 */
@Injectable()
export class OffersResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly responder: RequestResponder<OffersRequestedPayload, OffersAnsweredPayload>;

  constructor(
    @Inject(Kafka) kafka: Kafka,
    @Inject(OfferSearch) offers: OfferSearch,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
  ) {
    this.responder = new RequestResponder({
      kafka,
      groupId: `${config.KAFKA_CONSUMER_GROUP}-offers`,
      request: OffersRequested,
      answer: OffersAnswered,
      respond: async ({ payload: request }: { payload: OffersRequestedPayload }) => {
        const answeredAt = new Date().toISOString();
        try {
          return { ...(await offers.search(request.query)), requestId: request.requestId, answeredAt };
        } catch (error) {
          if (!(error instanceof ProblemException)) throw error;
          return {
            requestId: request.requestId,
            items: [],
            problem: { code: error.code, detail: (error as HttpException).message, errors: error.errors },
            answeredAt,
          };
        }
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
