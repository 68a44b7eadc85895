import { baseConfigSchema } from '@gridex/runtime';

/** Billing's settings, read from the environment and validated at start. */
export const billingConfigSchema = baseConfigSchema({ port: 8084, schema: 'billing' });
