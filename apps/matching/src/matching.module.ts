import { SetTenantShareHandler } from './queue/set-tenant-share.handler';
import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { CapacityFeedReader } from './book/capacity-feed.reader';
import { OfferBookProvider } from './book/offer-book.provider';
import { ReservationSync } from './book/reservation-sync.service';
import { matchingConfigSchema } from './config/matching.config';
import { MatchingTables } from './database/matching-tables';
import { matchingMigrations } from './database/migrations';
import { CancelJobHandler } from './jobs/cancel-job.handler';
import { JobStore } from './jobs/job.store';
import { SubmitJobHandler } from './jobs/submit-job.handler';
import { WorkloadFinishedHandler } from './jobs/workload-finished.handler';
import { WorkloadStartedHandler } from './jobs/workload-started.handler';
import { PlacementService } from './placement/placement.service';
import { ReservationStore } from './placement/reservation.store';
import { QueueDrainer } from './queue/queue-drainer.service';
import { QuoteController } from './quotes/quote.controller';
import { QuoteResponder } from './quotes/quote-responder.service';
import { OffersController } from './offers/offers.controller';
import { OfferSearch } from './offers/offer-search.service';
import { OffersResponder } from './offers/offers-responder.service';

/**
 * Matching: the offer book (rebuilt from inventory's capacity feed), the routing engine, reservations guarded in
 * its database, the queue, preemption and failover, quotes, and the offer search over the book.
 */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'matching',
      configSchema: matchingConfigSchema,
      migrations: matchingMigrations,
    }),
  ],
  controllers: [QuoteController, OffersController],
  providers: [
    MatchingTables,
    JobStore,
    ReservationStore,
    OfferBookProvider,
    ReservationSync,
    CapacityFeedReader,
    PlacementService,
    QueueDrainer,
    SetTenantShareHandler,
    SubmitJobHandler,
    CancelJobHandler,
    WorkloadStartedHandler,
    WorkloadFinishedHandler,
    QuoteResponder,
    OfferSearch,
    OffersResponder,
  ],
})
export class MatchingModule {}
