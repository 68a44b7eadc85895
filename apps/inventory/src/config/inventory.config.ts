import { baseConfigSchema } from '@gridex/runtime';

/** Inventory's settings, read from the environment and validated at start. */
export const inventoryConfigSchema = baseConfigSchema({ port: 8081, schema: 'inventory' });
