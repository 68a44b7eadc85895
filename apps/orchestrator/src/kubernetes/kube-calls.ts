import { Inject, Injectable, Logger } from '@nestjs/common';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG, TokenBucket } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { alreadyExists, apiReason, apiStatus } from './kubernetes-client';

/**
 * Answers worth another try: throttling, server trouble, calls that never got an answer, and conflicts over
 * another object's version (a pod create whose quota update lost a race: the same request can succeed).
 */
export function retriable(error: unknown): boolean {
  const status = apiStatus(error);
  if (status === undefined) return true; // connection reset, timeout
  if (status === 409) return apiReason(error) === 'Conflict';
  return status === 429 || status >= 500;
}

const MAX_ATTEMPTS = 6;

/**
 * Every call the orchestrator makes to the Kubernetes API goes through here: at most KUBE_QPS per second (burst
 * KUBE_BURST), and 429, 5xx, version conflicts and connection failures retried with exponential backoff and
 * jitter. Other answers (already exists, not found, forbidden) go back to the caller, which knows what they mean.
 */
@Injectable()
export class KubeCalls {
  private readonly logger = new Logger(KubeCalls.name);
  private readonly bucket: TokenBucket;
  private readonly retries;

  constructor(
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.bucket = new TokenBucket(config.KUBE_QPS, config.KUBE_BURST, Date.now());
    this.retries = metrics.counter('kube_retries_total', 'Kubernetes API calls retried, by status', [
      'status',
    ]);
  }

  async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const wait = this.bucket.take(Date.now());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        return await call();
      } catch (error) {
        if (!retriable(error) || attempt >= MAX_ATTEMPTS) throw error;
        const delay = Math.min(5000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        this.retries.inc({ status: String(apiStatus(error) ?? 'network') });
        this.logger.warn(
          `${what} failed (${apiStatus(error) ?? String(error)}), retry ${attempt} in ${Math.round(delay)} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Creates, treating "already exists" as done (names are derived from ids, so it is ours). */
  async create(what: string, call: () => Promise<unknown>): Promise<void> {
    await this.run(what, call).catch((error: unknown) => {
      if (!alreadyExists(error)) throw error;
    });
  }

  /** Deletes, treating "not found" as done. */
  async delete(what: string, call: () => Promise<unknown>): Promise<void> {
    await this.run(what, call).catch((error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    });
  }
}
