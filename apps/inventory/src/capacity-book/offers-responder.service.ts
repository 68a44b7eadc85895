import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Consumer, Kafka, Partitioners, Producer } from 'kafkajs';
import {
  createEvent,
  decodeEvent,
  OffersAnswered,
  OffersAnsweredPayload,
  OffersRequested,
} from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';
import { OfferSearch } from './offer-search.service';

/**
 * Answers the gateway's offer searches over Kafka (request-reply), with the same search as the HTTP route.
 * Replicas share one consumer group, so each request is answered once; requests from before a start are stale
 * and skipped; an answer lost in a crash only makes the gateway's wait time out.
 */
@Injectable()
export class OffersResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OffersResponder.name);
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(OfferSearch) private readonly offers: OfferSearch,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}-offers`,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [OffersRequested.topic], fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent(OffersRequested, message.value);
        if (!decoded.ok) {
          this.logger.warn(`skipping an invalid offer search request: ${decoded.reason}`);
          return;
        }
        const request = decoded.event.payload;
        let answer: Omit<OffersAnsweredPayload, 'requestId' | 'answeredAt'>;
        try {
          answer = await this.offers.search(request.query);
        } catch (error) {
          if (!(error instanceof ProblemException)) throw error;
          answer = {
            items: [],
            problem: { code: error.code, detail: (error as HttpException).message, errors: error.errors },
          };
        }
        const now = new Date();
        const event = createEvent(
          OffersAnswered,
          { ...answer, requestId: request.requestId, answeredAt: now.toISOString() },
          {
            correlationId: decoded.event.correlationId,
            causationId: decoded.event.eventId,
            tenantId: request.tenantId,
          },
          now,
        );
        await this.producer?.send({
          topic: OffersAnswered.topic,
          messages: [{ key: OffersAnswered.partitionKey(event.payload), value: JSON.stringify(event) }],
        });
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
