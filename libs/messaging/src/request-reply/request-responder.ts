import { Logger } from '@nestjs/common';
import { Consumer, Kafka, Partitioners, Producer } from 'kafkajs';
import { createEvent, decodeEvent, EventContract, EventEnvelope } from '@gridex/contracts';

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
  kafka: Kafka;
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
 * starts at the end), and an invalid request is logged and skipped: the asker times out.
 */
export class RequestResponder<TRequest, TAnswer> {
  private readonly logger: Logger;
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(private readonly options: RequestResponderOptions<TRequest, TAnswer>) {
    this.logger = new Logger(`RequestResponder(${options.request.type})`);
  }

  async start(): Promise<void> {
    const { kafka, request, answer } = this.options;
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [request.topic], fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = decodeEvent(request, message.value);
        if (!decoded.ok) {
          this.logger.warn(`skipping an invalid request: ${decoded.reason}`);
          return;
        }
        const now = new Date();
        const event = createEvent(
          answer,
          await this.options.respond(decoded.event),
          {
            correlationId: decoded.event.correlationId,
            causationId: decoded.event.eventId,
            tenantId: decoded.event.tenantId,
          },
          now,
        );
        await this.producer?.send({
          topic: answer.topic,
          messages: [{ key: answer.partitionKey(event.payload), value: JSON.stringify(event) }],
        });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
