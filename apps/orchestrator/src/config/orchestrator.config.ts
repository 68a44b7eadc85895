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
  SYSTEM_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a namespace name')
    .default('gridex-system')
    .describe('Where the orchestrator runs its own pods (verification benchmarks)'),
  BENCHMARK_IMAGE: z
    .string()
    .min(1)
    .default('registry.gridex.io/gridex/gpu-benchmark:1.0')
    .describe('The verification benchmark; it writes {"score": N} as its termination message'),
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;
