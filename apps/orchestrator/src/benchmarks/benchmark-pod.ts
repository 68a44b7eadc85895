import { V1Pod } from '@kubernetes/client-node';
import { VerificationRequestedPayload } from '@gridex/contracts';
import { labelValue, WorkloadLabels } from '../workloads/workload-names';

export const BENCHMARK_LABEL = 'gridex.io/workload';
export const VERIFICATION_ID_LABEL = 'gridex.io/verification-id';
/** Copied from a simulated node to its benchmark pod; kwok reports it as the benchmark's result. */
export const SIMULATED_SCORE_ANNOTATION = 'gridex.io/simulated-benchmark-score';

/** The pod name of a verification: deterministic, so a redelivered request finds the pod it already created. */
export function benchmarkPodName(verificationId: string): string {
  return `benchmark-${verificationId}`;
}

/**
 * The benchmark pod: pinned to the node under test (no scheduler involved), all its GPUs, tolerating the GPU
 * taint, non-root and unprivileged. The container reports `{"score": N}` as its termination message.
 */
export function benchmarkPod(
  request: VerificationRequestedPayload,
  options: { namespace: string; image: string; simulatedScore?: string },
): V1Pod {
  return {
    metadata: {
      name: benchmarkPodName(request.verificationId),
      namespace: options.namespace,
      labels: {
        [BENCHMARK_LABEL]: 'benchmark',
        [VERIFICATION_ID_LABEL]: request.verificationId,
        // Orchestrators sharing an API server (one per cluster) each watch only their own benchmarks.
        [WorkloadLabels.cluster]: labelValue(request.clusterId),
      },
      annotations: {
        'gridex.io/node-id': request.nodeId,
        ...(options.simulatedScore === undefined
          ? {}
          : { [SIMULATED_SCORE_ANNOTATION]: options.simulatedScore }),
      },
    },
    spec: {
      nodeName: request.nodeName,
      restartPolicy: 'Never',
      // A benchmark holds all of a node's GPUs: one that hangs must not hold them for ever.
      activeDeadlineSeconds: 900,
      automountServiceAccountToken: false,
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'benchmark',
          image: options.image,
          resources: {
            limits: { 'nvidia.com/gpu': String(request.gpuCount) },
            requests: { 'nvidia.com/gpu': String(request.gpuCount) },
          },
          terminationMessagePolicy: 'File',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

export type BenchmarkResult = { outcome: 'measured'; score: number } | { outcome: 'failed'; detail: string };

/** Reads a finished benchmark pod's result from its termination message. */
export function benchmarkResult(pod: V1Pod): BenchmarkResult | undefined {
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return undefined;
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  if (phase === 'Failed') {
    return {
      outcome: 'failed',
      detail: `benchmark failed: ${terminated?.reason ?? 'unknown'} ${terminated?.message ?? ''}`.trim(),
    };
  }
  try {
    const score = (JSON.parse(terminated?.message ?? '') as { score?: unknown }).score;
    if (typeof score === 'number' && Number.isInteger(score) && score >= 0)
      return { outcome: 'measured', score };
  } catch {
    // fall through: an unreadable message is a failed benchmark, not a crash
  }
  return {
    outcome: 'failed',
    detail: `benchmark reported no score: ${JSON.stringify(terminated?.message ?? null)}`,
  };
}
