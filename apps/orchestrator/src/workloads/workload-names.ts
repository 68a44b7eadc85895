import { createHash } from 'node:crypto';
import { deterministicUuid, IdNamespaces, instanceScoped } from '@gridex/contracts';

/**
 * Kubernetes names of a tenant's and a workload's objects. All are derived from ids (tenant id, reservation id),
 * never generated, so a redelivered allocation or a restarted orchestrator finds the objects it made instead of
 * making twins.
 */

const shortHash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);

/**
 * The tenant's namespace: `t-<readable part>-<hash>` (`<instance>-t-…` for an exchange other than the default
 * on a shared cluster). Tenant ids allow characters a namespace may not have (upper case, `.`, `_`, `:`); the
 * hash of the exact id keeps two ids that read alike apart.
 */
export function tenantNamespace(tenantId: string): string {
  const readable = tenantId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return instanceScoped(`t-${readable || 'tenant'}-${shortHash(tenantId)}`, '-');
}

/** The workload of an allocation: the same id for every delivery of it. */
export function workloadIdOf(matched: { jobId: string; reservationId: string }): string {
  return deterministicUuid(IdNamespaces.workload, matched.jobId, matched.reservationId);
}

/** The workload's name (Job, Service, NetworkPolicy, pod prefix): one per reservation. */
export function workloadName(reservationId: string): string {
  return `w-${reservationId}`;
}

/** The pod of gang rank `rank`; also its hostname under the gang's headless Service. */
export function gangPodName(reservationId: string, rank: number): string {
  return `${workloadName(reservationId)}-${rank}`;
}

/** Labels every Gridex workload object carries: how the orchestrator finds and watches its own. */
export const WorkloadLabels = {
  managedBy: 'app.kubernetes.io/managed-by',
  workloadId: 'gridex.io/workload-id',
  reservationId: 'gridex.io/reservation-id',
  jobId: 'gridex.io/job-id',
  tenantId: 'gridex.io/tenant',
  rank: 'gridex.io/rank',
  /** The cluster the workload was placed in: an orchestrator watches and reconciles only its own cluster's. */
  cluster: 'gridex.io/cluster',
} as const;

export const MANAGED_BY = 'gridex-orchestrator';

/** The label selector for the workload pods one orchestrator (one cluster) owns. */
export function ownPodsSelector(clusterId: string): string {
  return `${WorkloadLabels.managedBy}=${MANAGED_BY},${WorkloadLabels.cluster}=${labelValue(clusterId)}`;
}

/** Label values are at most 63 characters of [A-Za-z0-9._-]; ids that are not are hashed. */
export function labelValue(value: string): string {
  return /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(value) ? value : `h-${shortHash(value)}`;
}
