import { Controller, Get, Inject, Query } from '@nestjs/common';
import { OfferSearch } from './offer-search.service';

/** The offer search over this replica's book (the gateway asks over Kafka; this route is for operators and tests). */
@Controller('v1/offers')
export class OffersController {
  constructor(@Inject(OfferSearch) private readonly offers: OfferSearch) {}

  @Get()
  search(@Query() raw: Record<string, string>) {
    return this.offers.search(raw);
  }
}
