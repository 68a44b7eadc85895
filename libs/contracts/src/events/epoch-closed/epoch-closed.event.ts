import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { NonNegativeIntSchema, TokenUnitsSchema } from '../common-fields';

export const EpochClosedPayloadSchema = z.strictObject({
  epochNumber: NonNegativeIntSchema,
  startsAt: TimestampSchema,
  endsAt: TimestampSchema.describe('Exclusive'),
  budgetUnits: TokenUnitsSchema.describe("The emission schedule's budget for this epoch"),
  distributedUnits: TokenUnitsSchema.describe('Equal to budgetUnits whenever a node was eligible, else 0'),
  eligibleNodes: NonNegativeIntSchema,
  closedAt: TimestampSchema,
});

/** An emission epoch closed and its tokens were split among eligible nodes. */
export const EpochClosed = defineEvent({
  domain: 'rewards',
  name: 'epoch-closed',
  version: 1,
  description:
    "An emission epoch closed: its budget was split among eligible nodes, exactly (see rewards' rules).",
  payload: EpochClosedPayloadSchema,
  partitionKey: (payload) => String(payload.epochNumber),
});
export type EpochClosedPayload = z.infer<typeof EpochClosedPayloadSchema>;
