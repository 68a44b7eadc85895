import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, Kafka, Partitioners, Producer } from 'kafkajs';
import { createEvent, decodeEvent, QuoteAnswered, QuoteRequested } from '@gridex/contracts';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { quoteFor } from './quote.controller';

/**
 * Answers the gateway's quote requests over Kafka (request-reply): each `quote-requested` gets a
 * `quote-answered` with the same request id, computed on this replica's offer book. Replicas share one consumer
 * group, so each request is answered once; answers are not transactional (a quote changes nothing), and one lost
 * in a crash only makes the gateway's wait time out. Requests from before a start are stale and skipped.
 */
@Injectable()
export class QuoteResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuoteResponder.name);
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}-quotes`,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [QuoteRequested.topic], fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent(QuoteRequested, message.value);
        if (!decoded.ok) {
          this.logger.warn(`skipping an invalid quote request: ${decoded.reason}`);
          return;
        }
        const request = decoded.event.payload;
        const quote = quoteFor(
          this.book,
          { ...request, nodeCount: request.nodeCount },
          this.config.MATCHING_CURRENCY,
        );
        const now = new Date();
        const answer = createEvent(
          QuoteAnswered,
          {
            requestId: request.requestId,
            feasible: quote.feasible,
            ...(quote.feasible
              ? {
                  estimatedCost: quote.estimatedCost,
                  allocations: quote.allocations?.map(
                    ({ clusterId, nodeName, region, gpuProduct, gpus, pricePerGpuHour }) => ({
                      clusterId,
                      nodeName,
                      region,
                      gpuProduct,
                      gpus,
                      pricePerGpuHour,
                    }),
                  ),
                }
              : {
                  code: quote.code,
                  exclusions: quote.exclusions,
                  ...(quote.nearMiss ? { nearMiss: quote.nearMiss } : {}),
                }),
            nodesConsidered: quote.nodesConsidered ?? quote.allocations?.length ?? 0,
            answeredAt: now.toISOString(),
          },
          {
            correlationId: decoded.event.correlationId,
            causationId: decoded.event.eventId,
            tenantId: request.tenantId,
          },
          now,
        );
        await this.producer?.send({
          topic: QuoteAnswered.topic,
          messages: [{ key: QuoteAnswered.partitionKey(answer.payload), value: JSON.stringify(answer) }],
        });
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
