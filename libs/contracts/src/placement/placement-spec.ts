import { z } from 'zod';
import { MoneySchema } from '../money/money';
import {
  GpuProductSchema,
  InterconnectSchema,
  NetworkChoiceSchema,
  PositiveIntSchema,
  RegionSchema,
  TierSchema,
} from '../events/common-fields';

/**
 * What a job asks of capacity: the fields matching places a job by, shared by a submitted job, a quote request
 * and matching's own quote route (one definition, so the three cannot drift apart).
 */
export const PlacementSpecShape = {
  gpusPerNode: PositiveIntSchema.max(16),
  nodeCount: PositiveIntSchema.max(512).describe('Nodes in the gang; all are placed or none'),
  gpuProducts: z.array(GpuProductSchema).max(32).optional().describe('Acceptable GPU products'),
  minGpuMemoryMiB: PositiveIntSchema.optional().describe('Minimum memory per GPU'),
  interconnect: InterconnectSchema.optional().describe('Required fabric between the gang nodes'),
  regions: z.array(RegionSchema).max(32).optional().describe('Allowed regions; any when absent'),
  preferredRegions: z
    .array(RegionSchema)
    .max(32)
    .optional()
    .describe('Regions to favour among the allowed ones (a soft preference)'),
  minReliabilityBasisPoints: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .describe('Minimum node uptime over 7 days, basis points'),
  verifiedOnly: z.boolean().optional().describe('Only nodes whose benchmark verified them'),
  maxPricePerGpuHour: MoneySchema.describe('Price cap per GPU-hour'),
  expectedDurationSeconds: PositiveIntSchema.describe('Client estimate, used for holds and lease limits'),
  tier: TierSchema,
  networks: NetworkChoiceSchema.optional().describe(
    'Where the job may run (default any): local, any, or Gridex suppliers plus the listed networks',
  ),
};

/** A placement needs a GPU choice: a list of products, a memory floor, or both. */
export function requiresGpuChoice<S extends z.ZodType<{ gpuProducts?: unknown; minGpuMemoryMiB?: unknown }>>(
  schema: S,
): S {
  return schema.refine((spec) => spec.gpuProducts !== undefined || spec.minGpuMemoryMiB !== undefined, {
    message: 'either gpuProducts or minGpuMemoryMiB is required',
    path: ['gpuProducts'],
  });
}

export const PlacementSpecSchema = requiresGpuChoice(z.strictObject(PlacementSpecShape));
export type PlacementSpec = z.infer<typeof PlacementSpecSchema>;
