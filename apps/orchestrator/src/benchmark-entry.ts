/**
 * What benchmarks may use of the orchestrator (`bench/placement`, `bench/e2e`): how it names and labels a
 * tenant's objects, to watch them.
 */
export { tenantNamespace, WorkloadLabels } from './workloads/workload-names';
