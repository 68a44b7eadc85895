import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  OnApplicationShutdown,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { Admin } from '@platformatic/kafka';
import { z } from 'zod';
import { deadLetterTopic, Topics } from '@gridex/contracts';
import {
  createAdmin,
  IncomingMessage,
  KafkaEndpoint,
  MessagePublisher,
  partitionOffsets,
  readPartitionRange,
} from '@gridex/kafka-client';
import { DeadLetterHeaders } from '@gridex/messaging';
import { KAFKA_ENDPOINT, ProblemException, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Roles } from '../auth/principal';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

const KNOWN_TOPICS: ReadonlySet<string> = new Set(Object.values(Topics));

export const DeadLetterSummarySchema = z.object({
  items: z.array(z.object({ topic: z.string(), deadLetterTopic: z.string(), messages: z.number().int() })),
});
export const DeadLetterPageSchema = z.object({
  items: z.array(
    z.object({
      offset: z.string(),
      key: z.string().nullable(),
      code: z.string().nullable(),
      reason: z.string().nullable(),
      sourcePartition: z.string().nullable(),
      sourceOffset: z.string().nullable(),
      handler: z.string().nullable(),
      failedAt: z.string().nullable(),
      value: z.string().describe('The message as it was (first 2,000 characters)'),
    }),
  ),
});
export const DeadLetterQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20).describe('How many of the newest to show'),
});
export const ReplayRequestSchema = z.strictObject({
  offsets: z
    .array(z.string().regex(/^\d{1,18}$/))
    .min(1)
    .max(1000)
    .describe('Dead-letter offsets to replay'),
});

const header = (message: IncomingMessage, name: string) => message.headers.get(name)?.toString() ?? null;

/**
 * Reads and replays dead-letter topics for operators. Reading uses a throw-away consumer group positioned at the
 * newest messages; replay re-publishes chosen messages, unchanged, to their source topic. Replaying is safe to
 * repeat: every consumer records event ids in its inbox, so an event that already had its effect has no second
 * one (and one still invalid lands on the dead-letter topic again, with the new reason).
 */
@Injectable()
export class DeadLetters implements OnApplicationShutdown {
  private admin?: Admin;
  private publisher?: MessagePublisher;

  constructor(@Inject(KAFKA_ENDPOINT) private readonly kafka: KafkaEndpoint) {}

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.close();
    await this.publisher?.close();
  }

  async summary(): Promise<z.infer<typeof DeadLetterSummarySchema>> {
    const items = [];
    for (const topic of KNOWN_TOPICS) {
      const offsets = await this.offsets(deadLetterTopic(topic)).catch(() => []);
      const messages = offsets.reduce((sum, p) => sum + Number(p.high - p.low), 0);
      if (messages > 0) items.push({ topic, deadLetterTopic: deadLetterTopic(topic), messages });
    }
    return { items };
  }

  /** The newest `limit` messages of a topic's dead-letter topic, oldest first. */
  async newest(topic: string, limit: number): Promise<IncomingMessage[]> {
    const dlq = deadLetterTopic(topic);
    const [partition] = await this.offsets(dlq);
    if (!partition || partition.high <= partition.low) return [];
    const from =
      partition.high - BigInt(limit) > partition.low ? partition.high - BigInt(limit) : partition.low;
    return this.read(dlq, from, partition.high);
  }

  /**
   * Re-publishes the messages at these dead-letter offsets to their source topic; returns how many. All or
   * nothing: an offset that holds no dead letter (never written, or removed by retention) is a 404 naming it,
   * answered from the topic's offsets before anything is read.
   */
  async replay(topic: string, offsets: readonly string[]): Promise<number> {
    const dlq = deadLetterTopic(topic);
    const wanted = new Set(offsets.map((offset) => BigInt(offset).toString()));
    const sorted = [...wanted].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const [partition] = await this.offsets(dlq);
    const [low, high] = [partition?.low ?? 0n, partition?.high ?? 0n];
    const missing = (found: ReadonlySet<string>) => {
      const absent = [...wanted].filter((offset) => !found.has(offset));
      return new ProblemException(
        HttpStatus.NOT_FOUND,
        'DLQ.NO_SUCH_OFFSET',
        `no dead letter at offset(s) ${absent.join(', ')} of ${dlq} (it holds ${low} to ${high - 1n})`,
        absent.map((offset) => ({ field: 'offsets', message: `${offset} holds no dead letter` })),
      );
    };
    const inRange = new Set(sorted.filter((offset) => offset >= low && offset < high).map(String));
    if (inRange.size < wanted.size) throw missing(inRange);
    const messages = (await this.read(dlq, sorted[0], sorted[sorted.length - 1] + 1n)).filter((m) =>
      wanted.has(m.offset.toString()),
    );
    if (messages.length < wanted.size) throw missing(new Set(messages.map((m) => m.offset.toString())));
    this.publisher ??= new MessagePublisher(this.kafka);
    await this.publisher.send(
      topic,
      messages.map((m) => ({
        key: m.key,
        value: m.value,
        headers: { 'gridex-replayed-from': `${deadLetterTopic(topic)}@${m.offset}` },
      })),
    );
    return messages.length;
  }

  /** A dead-letter topic has one partition (its order is the order of failures). */
  private read(topic: string, from: bigint, to: bigint): Promise<IncomingMessage[]> {
    return readPartitionRange(this.kafka, { topic, partition: 0, from, to });
  }

  private offsets(topic: string) {
    this.admin ??= createAdmin(this.kafka);
    return partitionOffsets(this.admin, topic);
  }
}

/** Operators: what is dead-lettered, why, and replaying it once the cause is fixed. */
@ApiTag('Operations')
@Controller('v1/dlq')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class DeadLettersController {
  constructor(@Inject(DeadLetters) private readonly deadLetters: DeadLetters) {}

  @ApiOperation({
    operationId: 'listDeadLetterTopics',
    summary: 'Dead-letter topics that hold messages, with their counts',
    response: DeadLetterSummarySchema,
  })
  @Get()
  summary() {
    return this.deadLetters.summary();
  }

  @ApiOperation({
    operationId: 'listDeadLetters',
    summary: "A topic's newest dead-lettered messages with why they were set aside (`limit`, default 20)",
    query: DeadLetterQuerySchema,
    response: DeadLetterPageSchema,
    errors: [400, 404],
  })
  @Get(':topic')
  async newest(@Param('topic') topic: string, @Query() query: unknown) {
    const { limit: max } = validated(
      DeadLetterQuerySchema,
      query,
      'REQUEST.INVALID',
      'limit must be 1 to 200',
    );
    const messages = await this.deadLetters.newest(known(topic), max);
    return {
      items: messages.map((m) => ({
        offset: m.offset.toString(),
        key: m.key?.toString() ?? null,
        code: header(m, DeadLetterHeaders.code),
        reason: header(m, DeadLetterHeaders.reason),
        sourcePartition: header(m, DeadLetterHeaders.sourcePartition),
        sourceOffset: header(m, DeadLetterHeaders.sourceOffset),
        handler: header(m, DeadLetterHeaders.handler),
        failedAt: header(m, DeadLetterHeaders.failedAt),
        value: (m.value?.toString() ?? '').slice(0, 2000),
      })),
    };
  }

  @ApiOperation({
    operationId: 'replayDeadLetters',
    summary: 'Re-publish dead-lettered messages (by offset) to their source topic; safe to repeat',
    request: ReplayRequestSchema,
    response: z.object({ replayed: z.number().int() }),
    errors: [400, 404, 409, 422],
  })
  @Post(':topic/replay')
  @HttpCode(HttpStatus.OK)
  async replay(@Param('topic') topic: string, @Body() body: unknown) {
    const { offsets } = parseBody(ReplayRequestSchema, body);
    return { replayed: await this.deadLetters.replay(known(topic), offsets) };
  }
}

function known(topic: string): string {
  if (!KNOWN_TOPICS.has(topic)) {
    throw new ProblemException(HttpStatus.NOT_FOUND, 'DLQ.UNKNOWN_TOPIC', `${topic} is not a Gridex topic`);
  }
  return topic;
}
