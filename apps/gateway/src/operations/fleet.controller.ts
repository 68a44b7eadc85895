import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Roles } from '../auth/principal';
import { ServiceClient } from '../internal/service-client';

const Counts = {
  nodes: z.number().int(),
  readyNodes: z.number().int(),
  sellableNodes: z.number().int(),
  verifiedNodes: z.number().int(),
  gpus: z.number().int(),
  freeGpus: z.number().int().describe('Allocatable GPUs on ready nodes'),
};
export const FleetSchema = z.object({
  totals: z.object(Counts),
  groups: z.array(
    z.object({ region: z.string(), gpuProduct: z.string(), suppliers: z.number().int(), ...Counts }),
  ),
});
export const ClustersSchema = z.object({
  items: z.array(
    z.object({ clusterId: z.string(), regions: z.number().int(), suppliers: z.number().int(), ...Counts }),
  ),
});

export const NetworksSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      trust: z.enum(['trusted', 'probation']),
      feeBps: z.number().int(),
      breaker: z.enum(['closed', 'open', 'half-open']).describe('open: not routed to until a probe succeeds'),
      consecutiveFailures: z.number().int(),
      lastError: z.string().nullable(),
      offers: z.number().int(),
      offersSeenAt: z.string().nullable(),
    }),
  ),
});

/**
 * Operators' view of the supply side: the fleet and the clusters it runs on (inventory's capacity book), and the
 * other compute networks the exchange may route to (the orchestrator's registry).
 */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class FleetController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /** Nodes and GPUs per region and GPU product, with totals. */
  @Get('fleet')
  fleet() {
    return this.services.json('inventory', '/v1/fleet');
  }

  /** The Kubernetes clusters with nodes in the fleet, with their counts. */
  @Get('clusters')
  clusters() {
    return this.services.json('inventory', '/v1/clusters');
  }

  /** Each configured network's health: its breaker, last error, and how many offers it showed when. */
  @Get('networks')
  networks() {
    return this.services.json('orchestrator', '/v1/networks');
  }
}
