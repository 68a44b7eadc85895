import { z } from 'zod';
import { defineEvent } from '../../envelope/event-envelope';
import { IdSchema, RegionSchema, SupplierKindSchema } from '../common-fields';

export const SupplierRegisteredPayloadSchema = z.strictObject({
  supplierId: IdSchema.describe('The supplier (also its tenant id on the gateway)'),
  name: z.string().min(1).max(200).describe('Display name'),
  kind: SupplierKindSchema,
  region: RegionSchema.describe('Home region of the supplier'),
});

/** A supplier joined the exchange through the gateway. Inventory creates its record. */
export const SupplierRegistered = defineEvent({
  domain: 'gateway',
  name: 'supplier-registered',
  version: 1,
  description: 'A supplier registered on the gateway; inventory starts tracking its capacity.',
  payload: SupplierRegisteredPayloadSchema,
  partitionKey: (payload) => payload.supplierId,
});
export type SupplierRegisteredPayload = z.infer<typeof SupplierRegisteredPayloadSchema>;
