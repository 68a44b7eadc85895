import { Inject, Injectable } from '@nestjs/common';
import { BatchV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import {
  ClusterApi,
  ClusterRefusedError,
  NamespaceMissingError,
  WorkloadRef,
} from '../workloads/cluster-api.port';
import { jobPod, TenantObjects, WorkloadObjects } from '../workloads/workload-manifests';
import { WorkloadLabels } from '../workloads/workload-names';
import { KubeCalls } from './kube-calls';
import { alreadyExists, apiStatus } from './kubernetes-client';

/** The cluster port over the Kubernetes API: rate-limited and retried calls (`KubeCalls`) on three clients. */
@Injectable()
export class KubernetesClusterApi extends ClusterApi {
  constructor(
    @Inject(KubeCalls) private readonly kube: KubeCalls,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(BatchV1Api) private readonly batch: BatchV1Api,
    @Inject(NetworkingV1Api) private readonly networking: NetworkingV1Api,
  ) {
    super();
  }

  async createTenant(objects: TenantObjects): Promise<void> {
    const namespace = objects.namespace.metadata?.name ?? '';
    await this.kube.create('create namespace', () => this.core.createNamespace({ body: objects.namespace }));
    await this.kube.create('create quota', () =>
      this.core.createNamespacedResourceQuota({ namespace, body: objects.quota }),
    );
    await this.kube.create('create limits', () =>
      this.core.createNamespacedLimitRange({ namespace, body: objects.limits }),
    );
    await this.kube.create('create default-deny policy', () =>
      this.networking.createNamespacedNetworkPolicy({ namespace, body: objects.defaultDeny }),
    );
  }

  async createWorkload(objects: WorkloadObjects): Promise<void> {
    try {
      await this.create(objects);
    } catch (error) {
      if (apiStatus(error) === 403 || apiStatus(error) === 422) {
        throw new ClusterRefusedError(String((error as { body?: unknown }).body ?? error).slice(0, 900));
      }
      if (apiStatus(error) === 404) throw new NamespaceMissingError(objects.namespace);
      throw error;
    }
  }

  /**
   * A single-node Job is managed by the orchestrator (`spec.managedBy`), so its pod is created here, bound to its
   * node and owned by the Job; a Job that already exists (a retry after a crash) is read back for the uid its pod
   * must name.
   */
  private async create(objects: WorkloadObjects): Promise<void> {
    const { namespace, name } = objects;
    if (objects.job) {
      const body = objects.job;
      const job = await this.kube
        .run('create job', () => this.batch.createNamespacedJob({ namespace, body }))
        .catch((error: unknown) => {
          if (!alreadyExists(error)) throw error;
          return this.kube.run('read job', () => this.batch.readNamespacedJob({ name, namespace }));
        });
      await this.kube.create('create job pod', () =>
        this.core.createNamespacedPod({ namespace, body: jobPod(job) }),
      );
      return;
    }
    const { service, gangPolicy } = objects;
    if (gangPolicy) {
      await this.kube.create('create gang policy', () =>
        this.networking.createNamespacedNetworkPolicy({ namespace, body: gangPolicy }),
      );
    }
    if (service) {
      await this.kube.create('create gang service', () =>
        this.core.createNamespacedService({ namespace, body: service }),
      );
    }
    for (const pod of objects.pods ?? []) {
      await this.kube.create('create gang pod', () =>
        this.core.createNamespacedPod({ namespace, body: pod }),
      );
    }
  }

  /** Pods go with their Job; a gang's pods, Service and policy one by one. */
  async deleteWorkload(workload: WorkloadRef, graceSeconds: number): Promise<void> {
    const { namespace, name } = workload;
    if (workload.kind === 'job') {
      await this.kube.delete('delete job', () =>
        this.batch.deleteNamespacedJob({
          name,
          namespace,
          propagationPolicy: 'Background',
          gracePeriodSeconds: graceSeconds,
        }),
      );
    }
    await this.kube.delete('delete pods', () =>
      this.core.deleteCollectionNamespacedPod({
        namespace,
        labelSelector: `${WorkloadLabels.workloadId}=${workload.workload_id}`,
        gracePeriodSeconds: graceSeconds,
      }),
    );
    if (workload.kind === 'gang') {
      await this.kube.delete('delete gang service', () =>
        this.core.deleteNamespacedService({ name, namespace }),
      );
      await this.kube.delete('delete gang policy', () =>
        this.networking.deleteNamespacedNetworkPolicy({ name, namespace }),
      );
    }
  }
}
