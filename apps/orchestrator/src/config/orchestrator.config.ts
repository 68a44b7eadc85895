import { existsSync } from 'node:fs';
import { z } from 'zod';
import { instanceScoped, REGISTRY_HOST } from '@gridex/contracts';
import { parseNetworks } from '@gridex/networks';
import { baseConfigSchema, commaSeparatedList, intFromEnv } from '@gridex/runtime';

/** The orchestrator's settings, read from the environment and validated at start. */
export const orchestratorConfigSchema = baseConfigSchema({ port: 8083, schema: 'orchestrator' }).extend({
  KUBECONFIG: z
    .string()
    .refine((file) => existsSync(file), 'names a file that does not exist')
    .optional()
    .refine((file) => file !== undefined || process.env.KUBERNETES_SERVICE_HOST !== undefined, {
      message: 'is required outside a pod (path of the kubeconfig of the GPU cluster)',
    })
    .describe(
      "The GPU cluster's kubeconfig; unset in a pod, the pod's service account reaches its own cluster",
    ),
  CLUSTER_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be an identifier (letters, digits, . _ : -)')
    .default(instanceScoped('local', '-'))
    .describe('Name of the cluster in Gridex events; one orchestrator per cluster'),
  GPU_NODE_SELECTOR: z
    .string()
    .min(1)
    .default('nvidia.com/gpu.present=true')
    .describe('Label selector of the nodes Gridex sells'),
  SYSTEM_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a namespace name')
    .default(`gridex-${instanceScoped('system', '-')}`)
    .describe('Where the orchestrator runs its own pods (verification benchmarks)'),
  BENCHMARK_IMAGE: z
    .string()
    .min(1)
    .default('registry.gridex.io/gridex/gpu-benchmark:1.0')
    .describe('The verification benchmark; it writes {"score": N} as its termination message'),
  ALLOWED_REGISTRIES: commaSeparatedList(REGISTRY_HOST, 'registry hosts such as registry.gridex.io')
    .prefault('registry.gridex.io')
    .describe('Registries workload images may come from; others are refused with reason rejected'),
  TENANT_GPU_QUOTA: intFromEnv(1, 1_000_000)
    .prefault('512')
    .describe("GPUs a tenant's pods may request at once in this cluster (ResourceQuota)"),
  TENANT_EGRESS_CIDRS: commaSeparatedList(/^[0-9a-f.:]+\/\d{1,3}$/i, 'CIDRs such as 10.0.0.0/8')
    .prefault('')
    .describe("Where tenants' pods may connect besides DNS and their own gang"),
  TENANT_DEFAULT_CPU: z
    .string()
    .regex(/^\d+(\.\d+)?m?$/, 'must be a CPU quantity such as 4 or 500m')
    .default('4'),
  TENANT_DEFAULT_MEMORY: z
    .string()
    .regex(/^\d+(Ki|Mi|Gi|Ti)?$/, 'must be a memory quantity such as 16Gi')
    .default('16Gi'),
  STOP_GRACE_SECONDS: intFromEnv(0, 3600)
    .prefault('30')
    .describe('Grace period of pods stopped by cancel, preemption or credit exhaustion'),
  NETWORKS: z
    .string()
    .default('')
    .superRefine((json, context) => {
      try {
        parseNetworks(json);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^NETWORKS: ?/, '') });
      }
    })
    .describe('Other compute networks this exchange may route to: a JSON array (docs/federation.md)'),
  NETWORK_OFFERS_REFRESH_SECONDS: intFromEnv(1, 3600)
    .prefault('15')
    .describe("How often the networks' offers are pulled"),
  LOG_POLL_SECONDS: intFromEnv(0, 3600)
    .prefault('10')
    .describe(
      "How often a running workload's container logs are read into the store (0: only when it ends, before its " +
        'pods are deleted)',
    ),
  LOG_MAX_BYTES_PER_POD: intFromEnv(1024, 1024 * 1024 * 1024)
    .prefault(String(1024 * 1024))
    .describe('The most of a pod’s log kept (its last bytes)'),
  LOG_RETENTION_HOURS: intFromEnv(1, 24 * 365)
    .prefault('168')
    .describe('How long container logs are kept after they were read'),
  NETWORK_STATUS_POLL_MS: intFromEnv(100, 3_600_000)
    .prefault('1000')
    .describe(
      'How often each job placed on another network is asked about (its hand-over waits for the next poll)',
    ),
  NETWORK_START_TIMEOUT_SECONDS: intFromEnv(10, 86_400)
    .prefault('300')
    .describe('How long a job placed on another network may wait there to run before it fails over'),
  NETWORK_SILENCE_LIMIT_SECONDS: intFromEnv(5, 86_400)
    .prefault('60')
    .describe('How long a network may not answer about a job it runs before the job fails over'),
  NODE_LOST_AFTER_NOT_READY_SECONDS: intFromEnv(0, 86_400)
    .prefault('300')
    .describe(
      'How long a node may stay NotReady before the work on it is lost (fails over) and its supplier charged a ' +
        'fault; 0: only a deleted node is lost',
    ),
  KUBE_QPS: intFromEnv(1, 10_000).prefault('100').describe('Kubernetes API requests per second, sustained'),
  KUBE_BURST: intFromEnv(1, 10_000).prefault('200').describe('Kubernetes API requests allowed in a burst'),
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;
