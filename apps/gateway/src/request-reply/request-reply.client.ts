import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Consumer, MessagesStream } from '@platformatic/kafka';
import {
  contractForTopic,
  createEvent,
  decodeEvent,
  EventContract,
  OffersAnswered,
  QuoteAnswered,
  uuidv7,
} from '@gridex/contracts';
import { consumeFrom, KafkaEndpoint, MessagePublisher } from '@gridex/kafka-client';
import { KAFKA_ENDPOINT, ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
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
  private consumer?: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  private publisher?: MessagePublisher;

  constructor(
    @Inject(KAFKA_ENDPOINT) private readonly kafka: KafkaEndpoint,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.publisher = new MessagePublisher(this.kafka);
    this.consumer = new Consumer({
      clientId: this.kafka.clientId,
      bootstrapBrokers: this.kafka.brokers,
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}-answers-${uuidv7()}`,
      autocreateTopics: false,
      maxWaitTime: 50,
    });
    this.stream = await consumeFrom(
      this.consumer,
      ANSWERS.map((c) => c.topic),
    );
    this.stream.on('data', (message) => {
      const contract = contractForTopic(message.topic);
      if (!contract) return;
      const decoded = decodeEvent(contract, message.value ?? null);
      if (!decoded.ok) return;
      const answer = decoded.event.payload as { requestId: string };
      this.pending.get(answer.requestId)?.(answer);
    });
    this.stream.on('error', (error: Error) => this.logger.error(`reading answers failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stream?.close();
    await this.consumer?.close(true);
    await this.publisher?.close();
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
      await this.publisher?.send(contract.topic, [
        { key: contract.partitionKey(event.payload), value: JSON.stringify(event) },
      ]);
    } catch (error) {
      this.pending.delete(requestId);
      this.logger.warn(`publishing a ${contract.type} request failed: ${(error as Error).message}`);
      throw error;
    }
    return answer;
  }
}
