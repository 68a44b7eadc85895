import { Logger } from '@nestjs/common';
import { Consumer, MessagesStream } from '@platformatic/kafka';
import { createEvent, decodeEvent, EventContract, EventEnvelope } from '@gridex/contracts';
import { KafkaEndpoint, MessagePublisher } from '@gridex/kafka-client';

/**
 * Answers one kind of request (a quote, an offer search) from a service's own state; the service runtime starts
 * a `RequestResponder` for each provider marked `@AnswersRequests()`.
 */
export interface RequestHandler<TRequest, TAnswer> {
  readonly request: EventContract<TRequest>;
  readonly answer: EventContract<TAnswer>;
  /** Names the consumer group (`<service group>-<groupSuffix>`), shared by the service's replicas. */
  readonly groupSuffix: string;
  /** The answer to one request; it must carry the request's id. */
  respond(request: EventEnvelope<TRequest>): Promise<TAnswer> | TAnswer;
}

export interface RequestResponderOptions<TRequest, TAnswer> {
  kafka: KafkaEndpoint;
  /** Shared by the service's replicas, so each request is answered once. */
  groupId: string;
  request: EventContract<TRequest>;
  answer: EventContract<TAnswer>;
  /** The answer to one request; it must carry the request's id. */
  respond(request: EventEnvelope<TRequest>): Promise<TAnswer> | TAnswer;
}

/**
 * The answering side of request-reply over Kafka (quotes, offer searches): consumes requests and publishes one
 * answer each, naming the request. Answers are not transactional — a read changes nothing, and an answer lost in
 * a crash only makes the asker's wait time out. Requests from before a start are stale and skipped (the group
 * starts at the end), and an invalid request is logged and skipped: the asker times out. Requests are answered
 * one after another in the order they arrive; the group's position is committed every few seconds.
 */
export class RequestResponder<TRequest, TAnswer> {
  private readonly logger: Logger;
  private consumer?: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  private publisher?: MessagePublisher;
  private answering?: Promise<void>;

  constructor(private readonly options: RequestResponderOptions<TRequest, TAnswer>) {
    this.logger = new Logger(`RequestResponder(${options.request.type})`);
  }

  async start(): Promise<void> {
    const { kafka, request } = this.options;
    this.publisher = new MessagePublisher(kafka);
    this.consumer = new Consumer({
      clientId: kafka.clientId,
      bootstrapBrokers: kafka.brokers,
      groupId: this.options.groupId,
      autocreateTopics: false,
      maxWaitTime: 100,
    });
    this.stream = await this.consumer.consume({
      topics: [request.topic],
      mode: 'committed',
      fallbackMode: 'latest',
      autocommit: 1000,
    });
    this.answering = this.answerAll(this.stream);
  }

  async stop(): Promise<void> {
    await this.stream?.close();
    await this.answering;
    await this.consumer?.close(true);
    await this.publisher?.close();
  }

  private async answerAll(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    try {
      for await (const message of stream) await this.answer(message.value ?? null);
    } catch (error) {
      this.logger.error(`stopped answering: ${(error as Error).message}`);
    }
  }

  private async answer(value: Buffer | null): Promise<void> {
    const { request, answer } = this.options;
    const decoded = decodeEvent(request, value);
    if (!decoded.ok) {
      this.logger.warn(`skipping an invalid request: ${decoded.reason}`);
      return;
    }
    const event = createEvent(
      answer,
      await this.options.respond(decoded.event),
      {
        correlationId: decoded.event.correlationId,
        causationId: decoded.event.eventId,
        tenantId: decoded.event.tenantId,
      },
      new Date(),
    );
    await this.publisher?.send(answer.topic, [
      { key: answer.partitionKey(event.payload), value: JSON.stringify(event) },
    ]);
  }
}
