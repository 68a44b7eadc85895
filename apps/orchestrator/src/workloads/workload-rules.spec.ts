import type { V1Job, V1JobSpec, V1Pod } from '@kubernetes/client-node';
import { EventExamples, JobMatchedPayload } from '@gridex/contracts';
import { JOB_CONTROLLER, jobPod, tenantObjects, workloadObjects } from './workload-manifests';
import {
  gangPodName,
  labelValue,
  ownPodsSelector,
  tenantNamespace,
  WorkloadLabels,
  workloadName,
} from './workload-names';
import { podView, workloadStatus } from './workload-status';

const matched = EventExamples['matching.job-matched'] as unknown as JobMatchedPayload;
const gang: JobMatchedPayload = {
  ...matched,
  allocations: [
    { ...matched.allocations[0], nodeName: 'h100-a' },
    { ...matched.allocations[0], nodeName: 'h100-b' },
  ],
};

describe('names', () => {
  it.each([
    ['acme-ai', /^t-acme-ai-[0-9a-f]{8}$/],
    ['ACME_AI:prod.eu', /^t-acme-ai-prod-eu-[0-9a-f]{8}$/],
    ['---', /^t-tenant-[0-9a-f]{8}$/],
    ['x'.repeat(128), /^t-x{40}-[0-9a-f]{8}$/],
  ])('tenant %s gets a valid namespace', (tenant, pattern) => {
    const name = tenantNamespace(tenant);
    expect(name).toMatch(pattern);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('keeps tenants that read alike apart, and is stable', () => {
    expect(tenantNamespace('acme.ai')).not.toBe(tenantNamespace('acme_ai'));
    expect(tenantNamespace('acme.ai')).toBe(tenantNamespace('acme.ai'));
  });

  it('derives workload names from the reservation', () => {
    const id = '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f';
    expect(workloadName(id)).toBe(`w-${id}`);
    expect(gangPodName(id, 3)).toBe(`w-${id}-3`);
  });

  it.each([
    ['job-01HZX3', 'job-01HZX3'],
    ['tenant:with:colons', /^h-[0-9a-f]{8}$/],
  ])('label value for %s', (value, expected) => {
    expect(labelValue(value)).toMatch(expected);
  });
});

describe('manifests', () => {
  const policy = { gpuQuota: 64, egressCidrs: ['10.0.0.0/8'], defaultCpu: '4', defaultMemory: '16Gi' };

  it('gives the tenant a restricted namespace, a GPU quota, default limits and default-deny networking', () => {
    const objects = tenantObjects('acme-ai', policy);
    expect(objects.namespace.metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'gridex.io/tenant': 'acme-ai',
    });
    expect(objects.quota.spec?.hard).toEqual({ 'requests.nvidia.com/gpu': '64' });
    expect(objects.defaultDeny.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(objects.defaultDeny.spec?.ingress).toEqual([]);
    expect(objects.defaultDeny.spec?.egress?.[1]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] });
  });

  it('runs a single-node job as a batch Job bound to its node, restricted, with its GPUs', () => {
    const { job, pods } = workloadObjects(matched, 'w-id');
    expect(pods).toBeUndefined();
    expect(job?.spec?.backoffLimit).toBe(0);
    // Its pods carry the cluster, so an orchestrator watches and reconciles only its own cluster's work.
    expect(job?.spec?.template.metadata?.labels?.[WorkloadLabels.cluster]).toBe(
      matched.allocations[0].clusterId,
    );
    expect(ownPodsSelector(matched.allocations[0].clusterId)).toBe(
      `app.kubernetes.io/managed-by=gridex-orchestrator,gridex.io/cluster=${matched.allocations[0].clusterId}`,
    );
    const spec = job?.spec?.template.spec;
    expect(spec?.nodeName).toBe(matched.allocations[0].nodeName);
    expect(spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec?.volumes).toBeUndefined();
    const container = spec?.containers[0];
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.resources).toEqual({
      requests: { 'nvidia.com/gpu': '8' },
      limits: { 'nvidia.com/gpu': '8' },
    });
    expect(container?.env).toEqual([
      { name: 'NCCL_DEBUG', value: 'WARN' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'huggingface', key: 'token' } } },
    ]);
  });

  it("manages the Job itself: the Job controller skips it, and the Job's one pod is made from the Job as created", () => {
    const job = workloadObjects(matched, 'w-id').job as V1Job;
    const spec = job.spec as V1JobSpec;
    expect(spec.managedBy).toBe(JOB_CONTROLLER);
    // As the API server returns it: a uid, and the selector labels it adds to the template.
    const uid = '0f6e1c1a-3b1e-4d44-9a57-0f6f3d8b5f11';
    const templateLabels = {
      ...spec.template.metadata?.labels,
      'batch.kubernetes.io/controller-uid': uid,
    };
    const created = {
      ...job,
      metadata: { ...job.metadata, uid },
      spec: { ...spec, template: { ...spec.template, metadata: { labels: templateLabels } } },
    };
    const pod = jobPod(created);
    expect(pod.metadata?.name).toBe(`${job.metadata?.name}-0`);
    expect(pod.metadata?.namespace).toBe(job.metadata?.namespace);
    expect(pod.metadata?.labels).toEqual(templateLabels);
    expect(pod.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: job.metadata?.name,
        uid,
        controller: true,
        blockOwnerDeletion: false,
      },
    ]);
    expect(pod.spec).toBe(spec.template.spec);
    expect(pod.spec?.nodeName).toBe(matched.allocations[0].nodeName);
    // Without the uid (a Job not read back from the API server) there is nothing to own the pod.
    expect(() => jobPod(job)).toThrow(/no uid/);
  });

  it('runs a gang as one pod per rank on its node, with a headless Service and the rank environment', () => {
    const { pods, service, gangPolicy } = workloadObjects(gang, 'w-id');
    expect(pods?.map((p) => p.spec?.nodeName)).toEqual(['h100-a', 'h100-b']);
    const env = (rank: number) =>
      Object.fromEntries((pods?.[rank].spec?.containers[0].env ?? []).map((e) => [e.name, e.value]));
    expect(env(1)).toMatchObject({ RANK: '1', WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '8', MASTER_PORT: '29500' });
    expect(env(1).MASTER_ADDR).toBe(
      `${pods?.[0].metadata?.name}.${service?.metadata?.name}.${pods?.[0].metadata?.namespace}.svc`,
    );
    expect(pods?.[1].spec?.subdomain).toBe(service?.metadata?.name);
    expect(service?.spec?.clusterIP).toBe('None');
    expect(gangPolicy?.spec?.podSelector).toEqual({ matchLabels: { 'gridex.io/workload-id': 'w-id' } });
  });
});

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s));
const pod = (patch: Partial<V1Pod['status']> & { node?: string; name?: string } = {}): V1Pod => ({
  metadata: { name: patch.name ?? 'p' },
  spec: { nodeName: patch.node ?? 'n1', containers: [] },
  status: patch,
});

describe('podView', () => {
  it.each<[string, V1Pod, object]>([
    [
      'pending, unbound',
      { metadata: { name: 'p' }, spec: { containers: [] }, status: { phase: 'Pending' } },
      { nodeName: undefined, succeeded: false },
    ],
    [
      'running',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'main',
            image: '',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: at(5) } },
          },
        ],
      }),
      { startedAt: at(5) },
    ],
    [
      'succeeded',
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'main',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, startedAt: at(5), finishedAt: at(65) } },
          },
        ],
      }),
      { succeeded: true, finishedAt: at(65) },
    ],
    [
      'out of memory',
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'main',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: at(9) } },
          },
        ],
      }),
      { failure: { reason: 'oom', detail: 'the container ran out of memory (OOMKilled)' } },
    ],
    [
      'exit code',
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'main',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 3, reason: 'Error' } },
          },
        ],
      }),
      { failure: { reason: 'error', detail: 'exit code 3 (Error)' } },
    ],
    [
      'image pull',
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'main',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } },
          },
        ],
      }),
      { failure: { reason: 'image-pull', detail: 'ImagePullBackOff: not found' } },
    ],
  ])('%s', (_name, input, expected) => {
    expect(podView(input)).toMatchObject(expected);
  });
});

describe('workloadStatus', () => {
  const now = at(100);
  const run = (name: string, node: string, started: number) => ({
    name,
    nodeName: node,
    startedAt: at(started),
    succeeded: false,
  });
  it.each<[string, Parameters<typeof workloadStatus>, object]>([
    ['no pods yet', [2, [], [], new Set(), now], { phase: 'pending' }],
    [
      'bound, not started',
      [1, [{ name: 'a', nodeName: 'n1', succeeded: false }], [], new Set(), now],
      { phase: 'scheduled' },
    ],
    [
      'half a gang running is not running',
      [2, [run('a', 'n1', 5)], [], new Set(), now],
      { phase: 'pending' },
    ],
    [
      'a gang runs from its last start',
      [2, [run('a', 'n1', 5), run('b', 'n2', 7)], [], new Set(), now],
      { phase: 'running', startedAt: at(7) },
    ],
    [
      'succeeds when every pod did, at the last end',
      [
        2,
        [
          { ...run('a', 'n1', 5), succeeded: true, finishedAt: at(60) },
          { ...run('b', 'n2', 7), succeeded: true, finishedAt: at(61) },
        ],
        [],
        new Set(),
        now,
      ],
      { phase: 'succeeded', startedAt: at(7), finishedAt: at(61) },
    ],
    [
      'one member failing fails the gang',
      [
        2,
        [
          run('a', 'n1', 5),
          { ...run('b', 'n2', 7), failure: { reason: 'error', detail: 'exit code 1' }, finishedAt: at(30) },
        ],
        [],
        new Set(),
        now,
      ],
      { phase: 'failed', reason: 'error', finishedAt: at(30), startedAt: at(7) },
    ],
    [
      'a lost node outranks the errors it caused',
      [
        2,
        [run('a', 'n1', 5), { ...run('b', 'n2', 7), failure: { reason: 'error', detail: 'x' } }],
        [],
        new Set(['n1']),
        now,
      ],
      { phase: 'failed', reason: 'node-lost', failedNodes: ['n1'], finishedAt: now },
    ],
    [
      'a pod deleted behind our back on a vanished node is node-lost',
      [1, [], [{ name: 'a', nodeName: 'n9' }], new Set(['n9']), now],
      { phase: 'failed', reason: 'node-lost', failedNodes: ['n9'] },
    ],
    [
      'a pod deleted behind our back otherwise is an error',
      [1, [], [{ name: 'a', nodeName: 'n1' }], new Set(), now],
      { phase: 'failed', reason: 'error' },
    ],
  ])('%s', (_name, args, expected) => {
    expect(workloadStatus(...args)).toMatchObject(expected);
  });
});
