import { MeteredPlacement, reconcile } from './network-reconciliation';

/** Two 8-GPU nodes at 2.30 per GPU-hour for 7 s: 112 GPU-seconds, owed floor(2.30 × 56 / 3600) per node. */
const gang: MeteredPlacement = {
  nodes: [
    { gpus: 8, askPerGpuHourMicros: 2_300_000n },
    { gpus: 8, askPerGpuHourMicros: 2_300_000n },
  ],
  chargedSeconds: 7,
  settled: true,
};
const owedPerNode = (2_300_000n * 56n) / 3600n; // 35_777 (35_777.7…)

describe('reconciling a network’s charge with what Gridex owes it', () => {
  it.each<[string, MeteredPlacement | undefined, number, bigint, string, bigint]>([
    ['the same GPU-seconds, charged exactly what is owed', gang, 112, 2n * owedPerNode, 'matches', 0n],
    ['the network rounded up on each node', gang, 112, 2n * owedPerNode + 2n, 'rounding', 2n],
    ['more than a micro-unit per node over', gang, 112, 2n * owedPerNode + 3n, 'mismatch', 3n],
    ['less than owed', gang, 112, 2n * owedPerNode - 1n, 'mismatch', -1n],
    ['other GPU-seconds', gang, 128, 2n * owedPerNode, 'mismatch', 0n],
    ['a placement Gridex has not settled', { ...gang, settled: false }, 112, 100n, 'not-settled', 100n],
    ['a placement Gridex never metered', undefined, 112, 100n, 'not-settled', 100n],
  ])('%s', (_case, metered, gpuSeconds, chargedMicros, status, difference) => {
    const result = reconcile(metered, { gpuSeconds, chargedMicros });
    expect(result).toMatchObject({ status, differenceMicros: difference });
    if (metered?.settled) expect(result.owedMicros).toBe(2n * owedPerNode);
  });
});
