import { existsSync } from 'node:fs';
import { z } from 'zod';
import { baseConfigSchema } from '@gridex/runtime';

/** The orchestrator's settings, read from the environment and validated at start. */
export const orchestratorConfigSchema = baseConfigSchema({ port: 8083, schema: 'orchestrator' }).extend({
  KUBECONFIG: z
    .string({ error: 'is required (path of the kubeconfig of the GPU cluster)' })
    .refine((file) => existsSync(file), 'names a file that does not exist'),
  CLUSTER_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be an identifier (letters, digits, . _ : -)')
    .default('local')
    .describe('Name of the cluster in Gridex events; one orchestrator per cluster'),
  GPU_NODE_SELECTOR: z
    .string()
    .min(1)
    .default('nvidia.com/gpu.present=true')
    .describe('Label selector of the nodes Gridex sells'),
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;
