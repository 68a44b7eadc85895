import { z } from 'zod';
import { Breaker, closedBreaker, mayCall, recordFailure, recordSuccess } from './circuit-breaker';
import {
  ExternalJob,
  ExternalJobRequest,
  ExternalJobSchema,
  ExternalUsage,
  ExternalUsageSchema,
  NetworkAdapter,
  NetworkAnswerInvalid,
  NetworkOffer,
  NetworkRefused,
  NetworkOfferSchema,
  NetworkQuote,
  validAnswer,
} from './network-adapter';
import { NetworkConfig } from './network-config';

/** A network that is not to be called now: its breaker is open, or it is not configured. */
export class NetworkUnavailable extends Error {
  constructor(
    readonly networkId: string,
    reason: string,
  ) {
    super(`network ${networkId} is unavailable: ${reason}`);
    this.name = 'NetworkUnavailable';
  }
}

/** A network that did not answer within its timeout. */
export class NetworkTimeout extends Error {
  constructor(
    readonly networkId: string,
    operation: string,
    timeoutMs: number,
  ) {
    super(`network ${networkId} did not answer ${operation} within ${timeoutMs} ms`);
    this.name = 'NetworkTimeout';
  }
}

export interface NetworkHealth {
  id: string;
  kind: string;
  trust: NetworkConfig['trust'];
  feeBps: number;
  breaker: Breaker['state'];
  consecutiveFailures: number;
  lastError: string | null;
  offers: number;
  offersSeenAt: string | null;
}

interface Entry {
  config: NetworkConfig;
  adapter: NetworkAdapter;
  breaker: Breaker;
  offers: NetworkOffer[];
  offersSeenAt?: number;
}

/**
 * The configured networks, each behind its guard: every call has the network's timeout, passes its circuit
 * breaker, and has its answer validated; a timeout, an error or an invalid answer counts as a failure. The
 * registry also keeps each network's last offers with the time they were seen, and offers older than the
 * network's `offersMaxAgeSeconds`, or of a network whose breaker is open, are not routable.
 */
export class NetworkRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    networks: ReadonlyArray<{ config: NetworkConfig; adapter: NetworkAdapter }>,
    private readonly clock: () => number = Date.now,
  ) {
    for (const { config, adapter } of networks) {
      this.entries.set(config.id, { config, adapter, breaker: closedBreaker(), offers: [] });
    }
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  config(networkId: string): NetworkConfig {
    return this.entry(networkId).config;
  }

  /** Pulls every network's offers whose breaker lets a call through; returns how many networks answered. */
  async refreshOffers(): Promise<number> {
    let answered = 0;
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        try {
          entry.offers = await this.guarded(
            entry,
            'discover',
            (signal) => entry.adapter.discover(signal),
            NetworkOfferSchema.array(),
          );
          entry.offersSeenAt = this.clock();
          answered += 1;
        } catch {
          // counted by the guard; the network's old offers age out
        }
      }),
    );
    return answered;
  }

  /** Offers Gridex may route to now: fresh, of networks whose breaker is not open. */
  routableOffers(): Array<{ networkId: string; config: NetworkConfig; offers: NetworkOffer[] }> {
    const now = this.clock();
    return [...this.entries.values()]
      .filter(
        (e) =>
          e.breaker.state !== 'open' &&
          e.offersSeenAt !== undefined &&
          now - e.offersSeenAt <= e.config.offersMaxAgeSeconds * 1000,
      )
      .map((e) => ({ networkId: e.config.id, config: e.config, offers: e.offers }));
  }

  async quote(networkId: string, request: ExternalJobRequest): Promise<NetworkQuote> {
    const entry = this.entry(networkId);
    return this.guarded(entry, 'quote', (signal) => entry.adapter.quote(request, signal));
  }

  async place(networkId: string, request: ExternalJobRequest, idempotencyKey: string): Promise<ExternalJob> {
    const entry = this.entry(networkId);
    return this.guarded(
      entry,
      'place',
      (signal) => entry.adapter.place(request, idempotencyKey, signal),
      ExternalJobSchema,
    );
  }

  async status(networkId: string, externalJobId: string): Promise<ExternalJob> {
    const entry = this.entry(networkId);
    return this.guarded(
      entry,
      'status',
      (signal) => entry.adapter.status(externalJobId, signal),
      ExternalJobSchema,
    );
  }

  async cancel(networkId: string, externalJobId: string): Promise<void> {
    const entry = this.entry(networkId);
    return this.guarded(entry, 'cancel', (signal) => entry.adapter.cancel(externalJobId, signal));
  }

  async usage(networkId: string, externalJobId: string): Promise<ExternalUsage> {
    const entry = this.entry(networkId);
    return this.guarded(
      entry,
      'usage',
      (signal) => entry.adapter.usage(externalJobId, signal),
      ExternalUsageSchema,
    );
  }

  /** Each network's state, for operators (`GET /v1/networks`, metrics). */
  health(): NetworkHealth[] {
    return [...this.entries.values()].map((e) => ({
      id: e.config.id,
      kind: e.adapter.kind,
      trust: e.config.trust,
      feeBps: e.config.feeBps,
      breaker: e.breaker.state,
      consecutiveFailures: e.breaker.consecutiveFailures,
      lastError: e.breaker.lastError ?? null,
      offers: e.offers.length,
      offersSeenAt: e.offersSeenAt === undefined ? null : new Date(e.offersSeenAt).toISOString(),
    }));
  }

  private entry(networkId: string): Entry {
    const entry = this.entries.get(networkId);
    if (!entry) throw new NetworkUnavailable(networkId, 'it is not configured');
    return entry;
  }

  /**
   * One call through the network's breaker, with its timeout, its answer validated against `schema` when one is
   * given; the outcome (an invalid answer is a failure) feeds the breaker.
   */
  private async guarded<T>(
    entry: Entry,
    operation: string,
    call: (signal: AbortSignal) => Promise<unknown>,
    schema?: z.ZodType<T>,
  ): Promise<T> {
    const { config, breaker } = entry;
    if (!mayCall(breaker, this.clock())) {
      throw new NetworkUnavailable(
        config.id,
        `its circuit breaker is open (${breaker.lastError ?? 'failures'})`,
      );
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Settled first, so the race answers the timeout, not the call's own reaction to the abort.
        reject(new NetworkTimeout(config.id, operation, config.timeoutMs));
        controller.abort();
      }, config.timeoutMs);
    });
    try {
      const raw = await Promise.race([call(controller.signal), timeout]);
      const answer = schema ? validAnswer(schema, raw, config.id, operation) : (raw as T);
      recordSuccess(breaker);
      return answer;
    } catch (error) {
      // A refusal is an answer: the network is up, the request was wrong for it.
      if (error instanceof NetworkRefused) {
        recordSuccess(breaker);
        throw new NetworkRefused(config.id, operation, error.reason);
      }
      recordFailure(breaker, (error as Error).message, this.clock(), {
        failureThreshold: config.failureThreshold,
        openMs: config.openSeconds * 1000,
      });
      throw error instanceof NetworkTimeout || error instanceof NetworkAnswerInvalid
        ? error
        : new Error(`network ${config.id} failed ${operation}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
