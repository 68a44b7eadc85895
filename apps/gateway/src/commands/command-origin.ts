import { uuidv7 } from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';

/**
 * Where an event the gateway publishes for a caller's command comes from: the request's correlation id (so the
 * whole flow it starts can be followed in every service's logs; a fresh one outside a request), no causing event
 * (a caller asked), and the tenant it concerns.
 */
export function commandOrigin(tenantId: string) {
  return {
    correlationId: currentCorrelation()?.correlationId ?? uuidv7(),
    causationId: null,
    tenantId,
  };
}
