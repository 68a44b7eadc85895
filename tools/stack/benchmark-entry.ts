/**
 * What benchmarks may use of the local stack (`@gridex/stack/benchmark`): its paths, an administrator's REST
 * client for the API server, the scheduler's client QPS and the fleet applier.
 */
export { applyNodes } from './fleet/apply-fleet';
export { KubeRest, stackAdminRest } from './kubernetes/kube-rest';
export { FLEET_LIVENESS, SCHEDULER_QPS } from './kubernetes/kubernetes';
export { StackPaths } from './stack-paths';
