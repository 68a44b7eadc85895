/**
 * GPU verification: a benchmark pinned to the node measures its real performance; a node whose score is more
 * than 15 % below the reference of the GPU it declares is `failed`, since a supplier may not sell a slower GPU
 * (or fewer working GPUs) under a better name. Scores are on one scale: an H100 80GB SXM node scores 1000 per GPU.
 */

export type VerificationStatus = 'unverified' | 'verified' | 'failed';

/** Reference benchmark score per GPU, by `nvidia.com/gpu.product` label (dense FP16 training throughput, H100 = 1000). */
export const REFERENCE_SCORES: Readonly<Record<string, number>> = {
  'NVIDIA-H100-80GB-HBM3': 1000,
  'NVIDIA-A100-SXM4-80GB': 400,
  'NVIDIA-RTX-A6000': 200,
  'NVIDIA-GeForce-RTX-4090': 210,
  'NVIDIA-GeForce-RTX-3090-Ti': 110,
};

/** The largest shortfall from the reference that still verifies, in basis points (15 %). */
export const MAX_SHORTFALL_BPS = 1_500;

export type VerificationOutcome =
  | { status: 'verified'; scorePerGpu: number; referencePerGpu: number }
  | { status: 'failed'; scorePerGpu: number; referencePerGpu: number; reason: string };

/**
 * Judges a benchmark result. `measuredScore` is the node's total; it is compared per GPU, so a node that declares
 * 8 GPUs but delivers the work of 6 fails as surely as one that declares the wrong model.
 * Throws for a product without a reference score or a nonsensical measurement: those are inputs to reject, not
 * verdicts about the supplier.
 */
export function judgeBenchmark(
  gpuProduct: string,
  gpuCount: number,
  measuredScore: number,
): VerificationOutcome {
  const referencePerGpu = REFERENCE_SCORES[gpuProduct];
  if (referencePerGpu === undefined) {
    throw new Error(`INVENTORY.UNKNOWN_GPU_PRODUCT: no reference score for "${gpuProduct}"`);
  }
  if (!Number.isInteger(gpuCount) || gpuCount < 1)
    throw new Error(`INVENTORY.INVALID_GPU_COUNT: ${gpuCount}`);
  if (!Number.isFinite(measuredScore) || measuredScore < 0) {
    throw new Error(`INVENTORY.INVALID_SCORE: ${measuredScore}`);
  }
  const scorePerGpu = Math.floor(measuredScore / gpuCount);
  // Integer arithmetic: score × 10,000 < reference × (10,000 − 1,500) ⇔ more than 15 % below.
  const belowThreshold = scorePerGpu * 10_000 < referencePerGpu * (10_000 - MAX_SHORTFALL_BPS);
  if (belowThreshold) {
    const shortfallPercent = Math.round(((referencePerGpu - scorePerGpu) * 100) / referencePerGpu);
    return {
      status: 'failed',
      scorePerGpu,
      referencePerGpu,
      reason: `scored ${scorePerGpu} per GPU, ${shortfallPercent} % below the ${gpuProduct} reference of ${referencePerGpu}`,
    };
  }
  return { status: 'verified', scorePerGpu, referencePerGpu };
}

/** When a node is due to be verified again: after `intervalMs` from its last verification, or now if never. */
export function reverificationDue(
  lastVerifiedAt: number | undefined,
  now: number,
  intervalMs: number,
): boolean {
  return lastVerifiedAt === undefined || now - lastVerifiedAt >= intervalMs;
}
