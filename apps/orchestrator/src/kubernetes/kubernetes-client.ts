import { BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { Provider } from '@nestjs/common';
import { KeepAliveKubeConfig } from '@gridex/kube-client';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';

/** The cluster's kubeconfig, loaded once from KUBECONFIG, or in a pod without it, the pod's service account. */
export const kubeConfigProvider: Provider = {
  provide: KubeConfig,
  inject: [SERVICE_CONFIG],
  useFactory: (config: OrchestratorConfig) => {
    // Connections kept open: client-node's default (a new TLS connection per call) halved the API server's pace.
    const kubeConfig = new KeepAliveKubeConfig(config.KUBE_BURST);
    if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
    else kubeConfig.loadFromCluster();
    return kubeConfig;
  },
};

export const coreApiProvider: Provider = {
  provide: CoreV1Api,
  inject: [KubeConfig],
  useFactory: (kubeConfig: KubeConfig) => kubeConfig.makeApiClient(CoreV1Api),
};

export const batchApiProvider: Provider = {
  provide: BatchV1Api,
  inject: [KubeConfig],
  useFactory: (kubeConfig: KubeConfig) => kubeConfig.makeApiClient(BatchV1Api),
};

export const networkingApiProvider: Provider = {
  provide: NetworkingV1Api,
  inject: [KubeConfig],
  useFactory: (kubeConfig: KubeConfig) => kubeConfig.makeApiClient(NetworkingV1Api),
};

/** The HTTP status of a failed Kubernetes API call, if it has one. */
export function apiStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The reason in the Status a failed call answered with (`AlreadyExists`, `Conflict`, `NotFound`, ...), if any.
 * client-node 1.x keeps an error's body as the response text.
 */
export function apiReason(error: unknown): string | undefined {
  const body = (error as { body?: unknown })?.body;
  try {
    const status: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    const reason = (status as { reason?: unknown } | undefined)?.reason;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A create answered "already exists". Not every 409 is: a create can also lose a race on another object (the
 * namespace's ResourceQuota, when pods are created side by side) and answer `Conflict`, creating nothing.
 */
export function alreadyExists(error: unknown): boolean {
  return apiStatus(error) === 409 && apiReason(error) === 'AlreadyExists';
}
