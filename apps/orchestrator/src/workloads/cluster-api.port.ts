import type { WorkloadRow } from './workload.store';
import { TenantObjects, WorkloadObjects } from './workload-manifests';

/** The cluster refused a workload's objects themselves (quota, admission): it cannot run as asked. */
export class ClusterRefusedError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ClusterRefusedError';
  }
}

/** A create found no namespace to create in: the tenant's namespace is gone (deleted by hand, say). */
export class NamespaceMissingError extends Error {
  constructor(readonly namespace: string) {
    super(`namespace ${namespace} does not exist`);
    this.name = 'NamespaceMissingError';
  }
}

/** What the lifecycle needs to delete a workload's objects. */
export interface WorkloadRef {
  workload_id: string;
  namespace: string;
  name: string;
  kind: 'job' | 'gang';
}

/**
 * The port through which workload logic changes the cluster; the only holder of Kubernetes clients for it. Every
 * operation is idempotent (names derive from ids): creating what exists, or deleting what is gone, is done.
 * Failures the caller must act on come back as `ClusterRefusedError` or `NamespaceMissingError`; anything else
 * (the API server unreachable, say) is thrown as is and the event is retried.
 */
export abstract class ClusterApi {
  /** Creates a tenant's namespace and its guard rails. */
  abstract createTenant(objects: TenantObjects): Promise<void>;
  /** Creates a workload's objects: a Job and its bound pod, or a gang's pods, Service and NetworkPolicy. */
  abstract createWorkload(objects: WorkloadObjects): Promise<void>;
  /** Deletes a workload's objects, giving its pods `graceSeconds`. */
  abstract deleteWorkload(workload: WorkloadRef, graceSeconds: number): Promise<void>;
}

/** Keeps a workload's container logs once more before its pods are deleted (`WorkloadLogs`). */
export abstract class WorkloadLogKeeper {
  abstract keepFinal(workload: WorkloadRow): Promise<void>;
}
