import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { PlacementSpecSchema } from '@gridex/contracts';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { quoteFor } from '../domain/quote';

/**
 * The dry run of matching, for the gateway's quotes: the same engine and the same book as a real placement,
 * nothing reserved. A feasible quote lists the allocation and its prices now (not a promise: capacity moves);
 * an infeasible one carries the same explanation a queued job would get.
 */
@Controller('v1/quotes')
export class QuoteController {
  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  quote(@Body() body: unknown) {
    const spec = validated(
      PlacementSpecSchema,
      body,
      'MATCHING.INVALID_QUOTE',
      'the quote request is invalid',
    );
    const currency = this.config.MATCHING_CURRENCY;
    if (spec.maxPricePerGpuHour.currency !== currency) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'MATCHING.CURRENCY_MISMATCH',
        `this market trades in ${currency}`,
        [{ field: 'maxPricePerGpuHour.currency', message: `must be ${currency}` }],
      );
    }
    return quoteFor(this.book, spec, currency);
  }
}
