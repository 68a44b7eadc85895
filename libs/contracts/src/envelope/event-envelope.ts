import { z } from 'zod';
import { GRIDEX_INSTANCE, topicForInstance } from '../instance';
import { uuidv7 } from '../ids/uuid';

/** Any UUID (version-agnostic), lower or upper case. */
export const UuidSchema = z.uuid().describe('A UUID');

/** An RFC 3339 timestamp with a zone offset (UTC `Z` preferred). */
export const TimestampSchema = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp');

/**
 * Everything one event contract knows about itself. One of these exists per (event, version); the topic carries
 * the version so a breaking change is a new topic that runs side by side with the old one during a migration.
 */
export interface EventContract<TPayload> {
  /** Stable event type, `<domain>.<event>`, e.g. `matching.job-matched`. */
  readonly type: string;
  /** Schema version; part of the topic name. */
  readonly version: number;
  /** Kafka topic of this process's instance: `gridex.<domain>.<event>.v<N>`, `gridex-<instance>.…` for another. */
  readonly topic: string;
  /** The topic as the default instance names it: what schemas and documents call the event. */
  readonly logicalTopic: string;
  /** What the event means, for the JSON Schema and for finance. */
  readonly description: string;
  /** Validator for the payload; its inferred type is the payload type. */
  readonly payloadSchema: z.ZodType<TPayload>;
  /** Validator for the whole envelope with this payload. */
  readonly envelopeSchema: z.ZodType<EventEnvelope<TPayload>>;
  /** The aggregate id used as the Kafka partition key, so events of one aggregate stay in order. */
  partitionKey(payload: TPayload): string;
}

/** The envelope every Gridex event travels in. */
export interface EventEnvelope<TPayload = unknown> {
  /** Unique id of this event (UUIDv7); consumers deduplicate on it. */
  eventId: string;
  /** Event type, `<domain>.<event>`. */
  type: string;
  /** Schema version of the payload. */
  version: number;
  /** When the fact happened (not when it was published). */
  occurredAt: string;
  /** Id shared by every event and request of one business flow (e.g. one client request). */
  correlationId: string;
  /** Id of the event or request that directly caused this one; null for an origin event. */
  causationId: string | null;
  /** The tenant this event belongs to, where it applies. */
  tenantId?: string;
  /** The event's data, described by its contract. */
  payload: TPayload;
}

function envelopeSchemaFor<TPayload>(
  type: string,
  version: number,
  payloadSchema: z.ZodType<TPayload>,
): z.ZodType<EventEnvelope<TPayload>> {
  return z.strictObject({
    eventId: z
      .uuid({ version: 'v7' })
      .describe('Unique id of this event (UUIDv7); consumers deduplicate on it'),
    type: z.literal(type).describe('Event type, <domain>.<event>'),
    version: z.literal(version).describe('Schema version of the payload'),
    occurredAt: TimestampSchema.describe('When the fact happened, RFC 3339'),
    correlationId: z
      .string()
      .min(1)
      .max(128)
      .describe('Id shared by every event and request of one business flow'),
    causationId: z
      .string()
      .min(1)
      .max(128)
      .nullable()
      .describe('Id of the event or request that directly caused this one; null for an origin event'),
    tenantId: z.string().min(1).max(128).optional().describe('Tenant the event belongs to, where it applies'),
    payload: payloadSchema,
  }) as unknown as z.ZodType<EventEnvelope<TPayload>>;
}

/** Declares an event contract. The topic name is derived, so it cannot drift from type and version. */
export function defineEvent<TSchema extends z.ZodType>(spec: {
  domain: string;
  name: string;
  version: number;
  description: string;
  payload: TSchema;
  partitionKey: (payload: z.infer<TSchema>) => string;
}): EventContract<z.infer<TSchema>> {
  const type = `${spec.domain}.${spec.name}`;
  const logicalTopic = `gridex.${spec.domain}.${spec.name}.v${spec.version}`;
  return {
    type,
    version: spec.version,
    topic: topicForInstance(logicalTopic, GRIDEX_INSTANCE),
    logicalTopic,
    description: spec.description,
    payloadSchema: spec.payload as z.ZodType<z.infer<TSchema>>,
    envelopeSchema: envelopeSchemaFor(type, spec.version, spec.payload as z.ZodType<z.infer<TSchema>>),
    partitionKey: spec.partitionKey,
  };
}

/** Where an event comes from: the flow it belongs to and what caused it. */
export interface EventOrigin {
  correlationId: string;
  causationId: string | null;
  tenantId?: string;
}

/** Continues a flow from an event being handled: same correlation, caused by that event. */
export function causedBy(event: EventEnvelope): EventOrigin {
  return { correlationId: event.correlationId, causationId: event.eventId, tenantId: event.tenantId };
}

/** Builds a new envelope for a contract. The payload is validated, so an invalid event never leaves a service. */
export function createEvent<TPayload>(
  contract: EventContract<TPayload>,
  payload: TPayload,
  origin: EventOrigin,
  occurredAt: Date = new Date(),
): EventEnvelope<TPayload> {
  const envelope: EventEnvelope<TPayload> = {
    eventId: uuidv7(occurredAt.getTime()),
    type: contract.type,
    version: contract.version,
    occurredAt: occurredAt.toISOString(),
    correlationId: origin.correlationId,
    causationId: origin.causationId,
    ...(origin.tenantId === undefined ? {} : { tenantId: origin.tenantId }),
    payload,
  };
  const result = parseEvent(contract, envelope);
  if (!result.ok) {
    throw new Error(`createEvent(${contract.type}): ${result.reason}`);
  }
  return result.event;
}

/** The outcome of validating an incoming message against a contract. */
export type ParseResult<TPayload> =
  { ok: true; event: EventEnvelope<TPayload> } | { ok: false; reason: string };

/** Validates an already-decoded message against a contract; the reason lists every failing field. */
export function parseEvent<TPayload>(
  contract: EventContract<TPayload>,
  value: unknown,
): ParseResult<TPayload> {
  const result = contract.envelopeSchema.safeParse(value);
  if (result.success) {
    return { ok: true, event: result.data };
  }
  return { ok: false, reason: z.prettifyError(result.error).replace(/\n\s*/g, ' ') };
}

/** Decodes raw message bytes (UTF-8 JSON) and validates them; malformed JSON is a reason, not an exception. */
export function decodeEvent<TPayload>(
  contract: EventContract<TPayload>,
  raw: Buffer | string | null,
): ParseResult<TPayload> {
  if (raw === null) {
    return { ok: false, reason: 'message has no value (tombstone)' };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `value is not valid JSON: ${(error as Error).message}` };
  }
  return parseEvent(contract, value);
}
