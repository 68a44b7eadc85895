import { z } from 'zod';
import { HttpStatus } from '@nestjs/common';
import {
  GpuProductSchema,
  IMAGE_REFERENCE,
  imageRefusal,
  InterconnectSchema,
  JobSubmittedPayload,
  NetworkChoiceSchema,
  PlacementSpec,
  RegionSchema,
} from '@gridex/contracts';
import { ProblemException } from '@gridex/runtime';
import { decimalAmountSchema, decimalToMicros } from '../domain/api-money';

const Money = decimalAmountSchema('USD', '2.50');

/** A job as clients write it (for quotes and jobs). Field names are part of the public contract. */
export const JobSpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(IMAGE_REFERENCE, 'must be an image reference such as registry.gridex.io/acme/train:1')
      .describe('The container image; its registry must be one the exchange allows'),
    command: z.array(z.string().max(4096)).max(256).default([]),
    gpusPerNode: z.number().int().min(1).max(16),
    nodes: z.number().int().min(1).max(512).default(1),
    gpuProducts: z.array(GpuProductSchema).min(1).max(32).optional(),
    minGpuMemoryGb: z.number().int().min(1).max(1024).optional(),
    interconnect: InterconnectSchema.optional(),
    regions: z.array(RegionSchema).max(32).optional(),
    maxPricePerGpuHour: Money,
    expectedDurationSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400),
    interruptible: z.boolean().default(false),
    verifiedOnly: z.boolean().optional(),
    retryBudget: z.number().int().min(0).max(10).optional(),
    networks: NetworkChoiceSchema.optional(),
    annotations: z.record(z.string().max(253), z.string().max(4096)).optional(),
  })
  .refine((spec) => spec.gpuProducts !== undefined || spec.minGpuMemoryGb !== undefined, {
    message: 'either gpuProducts or minGpuMemoryGb is required',
    path: ['gpuProducts'],
  });

export type JobSpec = z.infer<typeof JobSpecSchema>;

/** What a client's job spec asks of capacity, in the contracts' terms (for quotes and submitted jobs). */
export function placementOf(spec: JobSpec): PlacementSpec {
  return {
    gpusPerNode: spec.gpusPerNode,
    nodeCount: spec.nodes,
    ...(spec.gpuProducts ? { gpuProducts: spec.gpuProducts } : {}),
    ...(spec.minGpuMemoryGb ? { minGpuMemoryMiB: spec.minGpuMemoryGb * 1024 } : {}),
    ...(spec.interconnect ? { interconnect: spec.interconnect } : {}),
    ...(spec.regions ? { regions: spec.regions } : {}),
    ...(spec.verifiedOnly !== undefined ? { verifiedOnly: spec.verifiedOnly } : {}),
    ...(spec.networks !== undefined ? { networks: spec.networks } : {}),
    maxPricePerGpuHour: { currency: 'USD', micros: decimalToMicros(spec.maxPricePerGpuHour).toString() },
    expectedDurationSeconds: spec.expectedDurationSeconds,
    tier: spec.interruptible ? 'interruptible' : 'on-demand',
  };
}

/** The `job-submitted` event for a client's job spec. */
export function jobSubmitted(spec: JobSpec, jobId: string, tenantId: string): JobSubmittedPayload {
  return {
    jobId,
    tenantId,
    image: spec.image,
    command: spec.command,
    ...placementOf(spec),
    priority: 0,
    ...(spec.retryBudget !== undefined ? { retryBudget: spec.retryBudget } : {}),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
}

/**
 * Refuses a job whose image comes from a registry the exchange does not allow, at submission and in quotes (422,
 * naming the field and the allowed registries) rather than accepting a job the orchestrator would then refuse.
 */
export function refuseDisallowedImage(
  spec: Pick<JobSpec, 'image'>,
  allowedRegistries: readonly string[],
): void {
  const refusal = imageRefusal(spec.image, allowedRegistries);
  if (refusal === undefined) return;
  throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'JOB.IMAGE_NOT_ALLOWED', refusal, [
    { field: 'image', message: `must come from ${allowedRegistries.join(', ')}` },
  ]);
}
