import { baseConfigSchema } from '@gridex/runtime';

/** Matching's settings, read from the environment and validated at start. */
export const matchingConfigSchema = baseConfigSchema({ port: 8082, schema: 'matching' });
