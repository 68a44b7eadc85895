import { DiscoveryService } from '@nestjs/core';

/**
 * Marks a provider as a Kafka event handler (it must implement `EventHandler` from @gridex/messaging). The service
 * runtime finds every marked provider at start-up and subscribes to their topics; handlers may live in any module.
 */
export const ConsumesEvents = DiscoveryService.createDecorator<void>();

/**
 * Marks a provider as the answering side of a request-reply over Kafka (it must implement `RequestHandler` from
 * @gridex/messaging). The service runtime starts a responder for each at start-up and stops it first at shutdown.
 */
export const AnswersRequests = DiscoveryService.createDecorator<void>();
