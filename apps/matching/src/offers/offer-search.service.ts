import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { clientPriceMicros, DomainError, money, Offer, OfferPriceSchema } from '@gridex/contracts';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { BookNode, OfferBook } from '../domain/offer-book';
import { listOffers } from '../domain/offer-listing';
import { decodeOfferCursor, encodeOfferCursor, OfferQuerySchema } from './offer-query';

/** The offer search over this replica's book, for the HTTP route and the gateway's request-reply alike. */
@Injectable()
export class OfferSearch {
  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  /** A page of offers for these query parameters; a DomainError (`invalid`) names what is wrong with them. */
  search(raw: Record<string, string>): { items: Offer[]; nextCursor?: string } {
    const parsed = OfferQuerySchema.safeParse(raw);
    if (!parsed.success) {
      throw new DomainError(
        'MATCHING.INVALID_OFFER_QUERY',
        'invalid',
        'the offer search has invalid parameters',
        parsed.error.issues.map((issue) => ({
          field: String(issue.path[0] ?? 'query'),
          message:
            issue.code === 'unrecognized_keys'
              ? `unknown parameter(s): ${issue.keys.join(', ')}`
              : issue.message,
        })),
      );
    }
    const { cursor: cursorText, ...query } = parsed.data;
    const cursor = cursorText === undefined ? undefined : decodeOfferCursor(cursorText);
    if (cursorText !== undefined && cursor === undefined) {
      throw new DomainError('MATCHING.INVALID_OFFER_QUERY', 'invalid', 'cursor is not one this API issued', [
        { field: 'cursor', message: 'pass back the nextCursor of the previous page unchanged' },
      ]);
    }
    const page = listOffers(this.book.nodes(), query, cursor);
    return {
      items: page.items.map((node) => this.offerOf(node)),
      ...(page.next ? { nextCursor: encodeOfferCursor(page.next) } : {}),
    };
  }

  private offerOf(node: Readonly<BookNode>): Offer {
    const takeRateBps = node.takeRateBps ?? this.book.takeRateBps;
    const currency = this.config.MATCHING_CURRENCY;
    const priced = (ask: bigint | undefined): z.infer<typeof OfferPriceSchema> | undefined => {
      if (ask === undefined) return undefined;
      const price = clientPriceMicros(ask, takeRateBps);
      return { ask: money(currency, ask), fee: money(currency, price - ask), price: money(currency, price) };
    };
    const onDemand = priced(node.onDemandAskMicros);
    const interruptible = priced(node.interruptibleAskMicros);
    return {
      nodeId: node.nodeId,
      clusterId: node.clusterId,
      nodeName: node.nodeName,
      supplierId: node.supplierId,
      ...(node.networkId === undefined ? {} : { networkId: node.networkId }),
      region: node.region,
      gpuProduct: node.gpuProduct,
      gpuMemoryMiB: node.gpuMemoryMiB,
      interconnect: node.interconnect,
      gpus: node.gpus,
      freeGpus: node.gpusFree,
      verification: node.verification,
      ...(node.benchmarkScore === undefined ? {} : { benchmarkScore: node.benchmarkScore }),
      reliabilityBasisPoints: node.reliabilityBps,
      ...(node.reliabilityParts ? { reliability: node.reliabilityParts } : {}),
      takeRateBps,
      ...(onDemand ? { onDemand } : {}),
      ...(interruptible ? { interruptible } : {}),
    };
  }
}
