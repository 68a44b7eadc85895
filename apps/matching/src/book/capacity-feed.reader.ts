import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CapacityChanged, CapacityChangedPayload, decodeEvent, Topics, uuidv7 } from '@gridex/contracts';
import { CompactedTopicReader } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { NodeState, OfferBook } from '../domain/offer-book';
import { ReservationSync } from './reservation-sync.service';

/** The book's view of one node from inventory's feed; undefined when the node is priced in another currency. */
export function nodeStateFrom(payload: CapacityChangedPayload, currency: string): NodeState | undefined {
  const prices = [payload.pricePerGpuHour, payload.interruptiblePricePerGpuHour];
  if (prices.some((price) => price !== undefined && price.currency !== currency)) return undefined;
  return {
    nodeId: payload.nodeId,
    nodeName: payload.nodeName,
    clusterId: payload.clusterId,
    region: payload.region,
    supplierId: payload.supplierId,
    networkId: payload.networkId,
    takeRateBps: payload.takeRateBps,
    gpuProduct: payload.gpuProduct,
    gpuMemoryMiB: payload.gpuMemoryMiB,
    interconnect: payload.interconnect,
    allocatableGpus: payload.allocatableGpus,
    schedulable: payload.schedulable && !payload.removed,
    verification: payload.verification,
    reliabilityBps: payload.reliabilityBasisPoints,
    benchmarkScore: payload.benchmarkScore,
    gpus: payload.gpus,
    reliabilityParts: payload.reliability,
    onDemandAskMicros: payload.pricePerGpuHour ? BigInt(payload.pricePerGpuHour.micros) : undefined,
    interruptibleAskMicros: payload.interruptiblePricePerGpuHour
      ? BigInt(payload.interruptiblePricePerGpuHour.micros)
      : undefined,
  };
}

/**
 * Keeps the offer book in step with inventory's capacity feed. The feed is a compacted topic holding the latest
 * state of every node, so each process reads it from the beginning under a consumer group of its own (every
 * replica needs every node; nothing is committed) and applies states newer than the revision it has.
 *
 * Start-up waits (in `onModuleInit`, before any consumer of jobs starts) until the book has caught up with the
 * end of the feed as it was at start, and the reservations are loaded: a job is never judged against a
 * half-built book. While catching up only the last message per node is kept (a node's messages share a key,
 * hence a partition, in revision order) and decoded once caught up: an uncompacted feed costs one decode per
 * node, not one per historical change.
 */
@Injectable()
export class CapacityFeedReader implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CapacityFeedReader.name);
  private reader?: CompactedTopicReader;
  private readonly revisions = new Map<string, number>();
  private readonly applied;
  private readonly bookNodes;
  /** While catching up: the latest message of every node, decoded when the feed's end is reached. */
  private catchingUp: Map<string, Buffer | null> | undefined = new Map();

  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(ReservationSync) private readonly reservations: ReservationSync,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.applied = metrics.counter(
      'capacity_updates_total',
      'Capacity feed messages, by outcome (applied, stale: older than the revision held, ignored: other currency ' +
        'or unreadable)',
      ['outcome'],
    );
    this.bookNodes = metrics.gauge('book_nodes', 'Nodes in the offer book');
  }

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    this.reader = new CompactedTopicReader({
      brokers: this.config.KAFKA_BROKERS,
      clientId: `gridex-matching-book`,
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}-book-${uuidv7()}`,
      topic: Topics.capacityChanged,
    });
    const caughtUp = this.reader.follow(
      ({ key, value }) => {
        const latest = this.catchingUp;
        if (latest && key) latest.set(key.toString(), value);
        else this.apply(value);
        if (!latest) this.bookNodes.set(this.book.size);
      },
      (error) => this.logger.error(`capacity feed failed: ${error.message}`),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `offer book did not catch up with ${Topics.capacityChanged} within ` +
                `MATCHING_BOOK_LOAD_TIMEOUT_MS=${this.config.MATCHING_BOOK_LOAD_TIMEOUT_MS}`,
            ),
          ),
        this.config.MATCHING_BOOK_LOAD_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([caughtUp, timeout]);
    } finally {
      clearTimeout(timer);
    }
    const latest = this.catchingUp ?? new Map();
    this.catchingUp = undefined;
    for (const value of latest.values()) this.apply(value);
    this.bookNodes.set(this.book.size);
    await this.reservations.loadAll();
    this.logger.log(`offer book loaded: ${this.book.size} nodes in ${Date.now() - started} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader?.close();
  }

  private apply(value: Buffer | null): void {
    const decoded = decodeEvent(CapacityChanged, value);
    if (!decoded.ok) {
      // Not ours to dead-letter: inventory owns the topic. The book simply does not learn this node state.
      this.applied.inc({ outcome: 'ignored' });
      this.logger.warn(`unreadable capacity update skipped: ${decoded.reason}`);
      return;
    }
    const payload = decoded.event.payload;
    if ((this.revisions.get(payload.nodeId) ?? 0) >= payload.revision) {
      this.applied.inc({ outcome: 'stale' });
      return;
    }
    this.revisions.set(payload.nodeId, payload.revision);
    const state = nodeStateFrom(payload, this.config.MATCHING_CURRENCY);
    if (payload.removed || !state) {
      this.book.remove(payload.nodeId);
      this.applied.inc({ outcome: state ? 'applied' : 'ignored' });
      return;
    }
    this.book.upsert(state);
    this.reservations.applyKnown(payload.nodeId);
    this.applied.inc({ outcome: 'applied' });
  }
}
