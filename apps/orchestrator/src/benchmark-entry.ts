/**
 * What benchmarks may use of the orchestrator (`bench/placement`, `bench/e2e`, `bench/federation`): how it names
 * and labels a tenant's objects, to watch them, and how it places work on other networks.
 */
export { tenantNamespace, WorkloadLabels } from './workloads/workload-names';
export { externalJobRequest, NetworkPlacements } from './networks/network-placements.service';
