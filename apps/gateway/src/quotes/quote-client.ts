import {
  HttpStatus,
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
  QuoteAnswered,
  QuoteAnsweredPayload,
  QuoteRequested,
  QuoteRequestedPayload,
  uuidv7,
} from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

/**
 * Request-reply over Kafka for quotes: publishes `quote-requested` and waits for matching's `quote-answered`
 * with the same request id. Every gateway process reads the answers with a consumer group of its own (an answer
 * must reach the process that asked), starting at the end: only answers to its own pending requests matter.
 * A request without an answer in GATEWAY_QUOTE_TIMEOUT_MS is a 504.
 */
@Injectable()
export class QuoteClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuoteClient.name);
  private readonly pending = new Map<string, (answer: QuoteAnsweredPayload) => void>();
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}-answers-${uuidv7()}`,
      maxWaitTimeInMs: 50,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [QuoteAnswered.topic], fromBeginning: false });
    const joined = new Promise<void>((resolve) =>
      this.consumer?.on(this.consumer.events.GROUP_JOIN, () => resolve()),
    );
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent(QuoteAnswered, message.value);
        if (!decoded.ok) return;
        this.pending.get(decoded.event.payload.requestId)?.(decoded.event.payload);
      },
    });
    await joined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  async ask(
    request: Omit<QuoteRequestedPayload, 'requestId' | 'requestedAt'>,
    correlationId: string,
  ): Promise<QuoteAnsweredPayload> {
    const requestId = uuidv7();
    const now = new Date();
    const answer = new Promise<QuoteAnsweredPayload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new ProblemException(
            HttpStatus.GATEWAY_TIMEOUT,
            'QUOTE.TIMEOUT',
            'matching did not answer the quote in time; try again',
          ),
        );
      }, this.config.GATEWAY_QUOTE_TIMEOUT_MS);
      this.pending.set(requestId, (payload) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(payload);
      });
    });
    const event = createEvent(
      QuoteRequested,
      { ...request, requestId, requestedAt: now.toISOString() },
      { correlationId, causationId: null, tenantId: request.tenantId },
      now,
    );
    try {
      await this.producer?.send({
        topic: QuoteRequested.topic,
        messages: [{ key: QuoteRequested.partitionKey(event.payload), value: JSON.stringify(event) }],
      });
    } catch (error) {
      this.pending.delete(requestId);
      this.logger.warn(`publishing a quote request failed: ${(error as Error).message}`);
      throw error;
    }
    return answer;
  }
}
