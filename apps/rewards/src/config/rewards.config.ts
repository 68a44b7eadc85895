import { baseConfigSchema } from '@gridex/runtime';

/** Rewards's settings, read from the environment and validated at start. */
export const rewardsConfigSchema = baseConfigSchema({ port: 8085, schema: 'rewards' });
