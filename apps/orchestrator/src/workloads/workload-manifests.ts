import type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1Pod,
  V1PodSpec,
  V1ResourceQuota,
  V1Service,
} from '@kubernetes/client-node';
import type { JobMatchedPayload } from '@gridex/contracts';
import { GPU_TAINT } from '@gridex/gpu-node-pool';
import {
  gangPodName,
  labelValue,
  MANAGED_BY,
  tenantNamespace,
  WorkloadLabels,
  workloadName,
} from './workload-names';

/** The cluster-side policy every tenant namespace gets. */
export interface TenantPolicy {
  /** Ceiling on the GPUs the tenant's pods may request at once (ResourceQuota `requests.nvidia.com/gpu`). */
  gpuQuota: number;
  /** CIDRs the tenant's pods may reach besides DNS and their own gang (empty: nothing else). */
  egressCidrs: readonly string[];
  /** Per-container CPU and memory when a container sets none (LimitRange). */
  defaultCpu: string;
  defaultMemory: string;
}

const GANG_PORT = 29500;

/**
 * `spec.managedBy` of Gridex Jobs: the built-in Job controller leaves them alone (Kubernetes ≥ 1.32; GA in 1.35)
 * and the orchestrator creates their pod itself, bound to the matched node. Going through the Job controller
 * cost a second hop (its queue, its own client rate limit and several Job status writes) before every pod.
 */
export const JOB_CONTROLLER = 'gridex.io/orchestrator';

/** The tenant's namespace and its guard rails: quota, limits, default-deny networking. */
export interface TenantObjects {
  namespace: V1Namespace;
  quota: V1ResourceQuota;
  limits: V1LimitRange;
  defaultDeny: V1NetworkPolicy;
}

export function tenantObjects(tenantId: string, policy: TenantPolicy): TenantObjects {
  const name = tenantNamespace(tenantId);
  const labels = { [WorkloadLabels.managedBy]: MANAGED_BY, [WorkloadLabels.tenantId]: labelValue(tenantId) };
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: {
          ...labels,
          // Pod Security Admission: the API server itself refuses pods that are not `restricted`.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
        annotations: { 'gridex.io/tenant-id': tenantId },
      },
    },
    quota: {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'gridex-gpus', namespace: name, labels },
      spec: { hard: { 'requests.nvidia.com/gpu': String(policy.gpuQuota) } },
    },
    limits: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'gridex-defaults', namespace: name, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            _default: { cpu: policy.defaultCpu, memory: policy.defaultMemory },
            defaultRequest: { cpu: policy.defaultCpu, memory: policy.defaultMemory },
          },
        ],
      },
    },
    defaultDeny: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'gridex-default-deny', namespace: name, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          ...(policy.egressCidrs.length > 0
            ? [{ to: policy.egressCidrs.map((cidr) => ({ ipBlock: { cidr } })) }]
            : []),
        ],
      },
    },
  };
}

/** What the orchestrator creates for one allocation. */
export interface WorkloadObjects {
  namespace: string;
  name: string;
  /** A single-node job runs as a batch Job... */
  job?: V1Job;
  /** ...a gang as one pod per rank, a headless Service for their names, and a policy letting them talk. */
  pods?: V1Pod[];
  service?: V1Service;
  gangPolicy?: V1NetworkPolicy;
}

function environment(matched: JobMatchedPayload): V1EnvVar[] {
  return [
    ...Object.entries(matched.env ?? {}).map(([name, value]) => ({ name, value })),
    ...(matched.secretEnv ?? []).map(({ name, secretName, key }) => ({
      name,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    })),
  ];
}

function container(matched: JobMatchedPayload, gpus: number, extraEnv: V1EnvVar[]): V1Container {
  const gpuResources = { 'nvidia.com/gpu': String(gpus) };
  return {
    name: 'main',
    image: matched.image,
    command: matched.command.length > 0 ? matched.command : undefined,
    env: [...environment(matched), ...extraEnv],
    resources: { requests: gpuResources, limits: gpuResources },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      privileged: false,
    },
  };
}

function podSpec(matched: JobMatchedPayload, rank: number, extraEnv: V1EnvVar[]): V1PodSpec {
  const allocation = matched.allocations[rank];
  return {
    // Bound by the orchestrator, never left to kube-scheduler: matching already chose the node.
    nodeName: allocation.nodeName,
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container(matched, allocation.gpus, extraEnv)],
  };
}

/**
 * The Kubernetes objects for a matched allocation, all named after its reservation id. A gang's pods get the
 * usual distributed-training environment: rank 0 is the rendezvous (`MASTER_ADDR:MASTER_PORT`).
 */
export function workloadObjects(matched: JobMatchedPayload, workloadId: string): WorkloadObjects {
  const namespace = tenantNamespace(matched.tenantId);
  const name = workloadName(matched.reservationId);
  const labels = {
    [WorkloadLabels.managedBy]: MANAGED_BY,
    [WorkloadLabels.workloadId]: workloadId,
    [WorkloadLabels.reservationId]: matched.reservationId,
    [WorkloadLabels.jobId]: labelValue(matched.jobId),
    [WorkloadLabels.tenantId]: labelValue(matched.tenantId),
    [WorkloadLabels.cluster]: labelValue(matched.allocations[0].clusterId),
  };
  const annotations = { ...(matched.annotations ?? {}), 'gridex.io/job-id': matched.jobId };

  if (matched.allocations.length === 1) {
    return {
      namespace,
      name,
      job: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace, labels, annotations },
        spec: {
          managedBy: JOB_CONTROLLER,
          backoffLimit: 0,
          completions: 1,
          parallelism: 1,
          template: {
            metadata: { labels: { ...labels, [WorkloadLabels.rank]: '0' }, annotations },
            spec: podSpec(matched, 0, []),
          },
        },
      },
    };
  }

  return gangObjects(matched, namespace, name, labels, annotations);
}

/**
 * The pod of a single-node Job, as the Job's controller makes it: named after the Job (one attempt, so one name),
 * owned by the Job (deleting the Job deletes it), with the labels the API server gave the Job's template (its
 * selector among them) and the template's spec. `job` is the Job as created, with its uid.
 */
export function jobPod(job: V1Job): V1Pod {
  const { name, namespace, uid } = job.metadata ?? {};
  const template = job.spec?.template;
  if (!name || !uid || !template?.spec)
    throw new Error(`job ${namespace}/${name} is incomplete (no uid or template)`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-0`,
      namespace,
      labels: template.metadata?.labels,
      annotations: template.metadata?.annotations,
      ownerReferences: [
        // Not blocking the Job's deletion: Jobs are deleted in the background, and blocking would need an
        // update grant on jobs/finalizers where OwnerReferencesPermissionEnforcement is on.
        { apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true, blockOwnerDeletion: false },
      ],
    },
    spec: template.spec,
  };
}

function gangObjects(
  matched: JobMatchedPayload,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): WorkloadObjects {
  const size = matched.allocations.length;
  const masterAddr = `${gangPodName(matched.reservationId, 0)}.${name}.${namespace}.svc`;
  const pods = matched.allocations.map((allocation, rank): V1Pod => {
    const podName = gangPodName(matched.reservationId, rank);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        labels: { ...labels, [WorkloadLabels.rank]: String(rank) },
        annotations,
      },
      spec: {
        ...podSpec(matched, rank, [
          { name: 'MASTER_ADDR', value: masterAddr },
          { name: 'MASTER_PORT', value: String(GANG_PORT) },
          { name: 'WORLD_SIZE', value: String(size) },
          { name: 'RANK', value: String(rank) },
          { name: 'LOCAL_WORLD_SIZE', value: String(allocation.gpus) },
        ]),
        hostname: podName,
        subdomain: name,
      },
    };
  });
  const selector = { [WorkloadLabels.workloadId]: labels[WorkloadLabels.workloadId] };
  return {
    namespace,
    name,
    pods,
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: {
        clusterIP: 'None',
        selector,
        publishNotReadyAddresses: true,
        ports: [{ name: 'rendezvous', port: GANG_PORT, targetPort: GANG_PORT }],
      },
    },
    gangPolicy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ _from: [{ podSelector: { matchLabels: selector } }] }],
        egress: [{ to: [{ podSelector: { matchLabels: selector } }] }],
      },
    },
  };
}
