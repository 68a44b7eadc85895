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

/** Operators' view of the supply side, from inventory's capacity book: the fleet and the clusters it runs on. */
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
}
