import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Roles } from '../auth/principal';
import { ServiceClient } from '../internal/service-client';
import { toApiUnits } from '../domain/api-money';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

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
      placed: z.number().int().describe('Jobs placed on the network so far'),
      running: z.number().int().describe('Of those, live there now'),
      routedShareBps: z.number().int().describe('Its share of every workload launched, in basis points'),
      charged: z.string().describe('What the network charged so far (USD); reconciled in finance'),
    }),
  ),
});

/**
 * Operators' view of the supply side: the fleet and the clusters it runs on (inventory's capacity book), and the
 * other compute networks the exchange may route to (the orchestrator's registry).
 */
@ApiTag('Operations')
@Controller('v1')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class FleetController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /** Nodes and GPUs per region and GPU product, with totals. */
  @ApiOperation({
    operationId: 'getFleet',
    summary: 'Nodes and GPUs per region and GPU product, with totals',
    response: FleetSchema,
    errors: [503],
  })
  @Get('fleet')
  fleet() {
    return this.services.json('inventory', '/v1/fleet');
  }

  /** The Kubernetes clusters with nodes in the fleet, with their counts. */
  @ApiOperation({
    operationId: 'listClusters',
    summary: 'The Kubernetes clusters with nodes in the fleet, with their counts',
    response: ClustersSchema,
    errors: [503],
  })
  @Get('clusters')
  clusters() {
    return this.services.json('inventory', '/v1/clusters');
  }

  /**
   * Each configured network: its breaker, last error, offers and when they were seen, jobs placed and running
   * there, its routed share and what it charged so far.
   */
  @ApiOperation({
    operationId: 'listNetworks',
    summary: 'The other compute networks the exchange may route to, with their circuit breakers and offers',
    response: NetworksSchema,
    errors: [503],
  })
  @Get('networks')
  async networks() {
    return toApiUnits(await this.services.json('orchestrator', '/v1/networks'));
  }
}
