import { baseConfigSchema } from '@gridex/runtime';

/** Gateway's settings, read from the environment and validated at start. */
export const gatewayConfigSchema = baseConfigSchema({ port: 8080, schema: 'gateway' });
