export type GpuClass = 'datacenter' | 'consumer';

export interface ClassTable {
  datacenterProductPrefixes: readonly string[];
  minStakePerGpu: Record<GpuClass, bigint>;
  weight: Record<GpuClass, number>;
}

/** A GPU product's class: data-center if its name starts with one of the configured prefixes. */
export function gpuClassOf(table: ClassTable, gpuProduct: string): GpuClass {
  const product = gpuProduct.toUpperCase();
  return table.datacenterProductPrefixes.some((prefix) => product.startsWith(prefix.toUpperCase()))
    ? 'datacenter'
    : 'consumer';
}

/** The stake a node needs to earn emissions: its class's minimum per GPU × its GPUs. */
export function requiredStake(table: ClassTable, gpuProduct: string, gpus: number): bigint {
  return table.minStakePerGpu[gpuClassOf(table, gpuProduct)] * BigInt(gpus);
}
