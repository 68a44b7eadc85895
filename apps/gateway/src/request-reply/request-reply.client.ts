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
  contractForTopic,
  createEvent,
  decodeEvent,
  EventContract,
  OffersAnswered,
  QuoteAnswered,
  uuidv7,
} from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

/** The answer topics this client waits on; every answer payload names its request. */
const ANSWERS: ReadonlyArray<EventContract<{ requestId: string }>> = [QuoteAnswered, OffersAnswered];

/**
 * Request-reply over Kafka, for reads another service answers (quotes from matching, offer searches from
 * inventory): publishes the request with a fresh request id and waits for the answer naming it. Every gateway
 * process reads the answer topics with a consumer group of its own (an answer must reach the process that
 * asked), from the end: only answers to its own pending requests matter. No answer within
 * GATEWAY_QUOTE_TIMEOUT_MS is a 504.
 */
@Injectable()
export class RequestReplyClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RequestReplyClient.name);
  private readonly pending = new Map<string, (answer: unknown) => void>();
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
    await this.consumer.subscribe({ topics: ANSWERS.map((c) => c.topic), fromBeginning: false });
    const joined = new Promise<void>((resolve) =>
      this.consumer?.on(this.consumer.events.GROUP_JOIN, () => resolve()),
    );
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const contract = contractForTopic(topic);
        if (!contract) return;
        const decoded = decodeEvent(contract, message.value);
        if (!decoded.ok) return;
        const answer = decoded.event.payload as { requestId: string };
        this.pending.get(answer.requestId)?.(answer);
      },
    });
    await joined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  /** Publishes `request` (its `requestId` and `requestedAt` are filled in) and resolves with the answer. */
  async ask<TRequest extends { requestId: string; requestedAt: string; tenantId: string }, TAnswer>(
    contract: EventContract<TRequest>,
    request: Omit<TRequest, 'requestId' | 'requestedAt'>,
    correlationId: string,
  ): Promise<TAnswer> {
    const requestId = uuidv7();
    const now = new Date();
    const answer = new Promise<TAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new ProblemException(
            HttpStatus.GATEWAY_TIMEOUT,
            'GATEWAY.ANSWER_TIMEOUT',
            'the service that answers this did not answer in time; try again',
          ),
        );
      }, this.config.GATEWAY_QUOTE_TIMEOUT_MS);
      this.pending.set(requestId, (payload) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(payload as TAnswer);
      });
    });
    const event = createEvent(
      contract,
      { ...request, requestId, requestedAt: now.toISOString() } as TRequest,
      { correlationId, causationId: null, tenantId: request.tenantId },
      now,
    );
    try {
      await this.producer?.send({
        topic: contract.topic,
        messages: [{ key: contract.partitionKey(event.payload), value: JSON.stringify(event) }],
      });
    } catch (error) {
      this.pending.delete(requestId);
      this.logger.warn(`publishing a ${contract.type} request failed: ${(error as Error).message}`);
      throw error;
    }
    return answer;
  }
}
