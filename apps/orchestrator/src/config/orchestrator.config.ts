import { baseConfigSchema } from '@gridex/runtime';

/** Orchestrator's settings, read from the environment and validated at start. */
export const orchestratorConfigSchema = baseConfigSchema({ port: 8083, schema: 'orchestrator' });
