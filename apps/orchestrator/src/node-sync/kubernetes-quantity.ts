/**
 * Kubernetes resource quantities ("500m", "192", "2048Gi", "131072Ki", "1.5") turned into integers of the units
 * Gridex uses. Pure; throws on anything it cannot read, naming it.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, m: 1e-3 };
const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P|m)?$/;

function parse(quantity: string): number {
  const match = QUANTITY.exec(quantity.trim());
  if (!match) throw new Error(`"${quantity}" is not a Kubernetes quantity`);
  const [, number, suffix = ''] = match;
  return Number(number) * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** CPU in millicores ("500m" → 500, "2" → 2000). */
export function cpuMillis(quantity: string): number {
  return Math.round(parse(quantity) * 1000);
}

/** Memory in MiB, rounded down ("2048Gi" → 2097152, "1G" → 953). */
export function memoryMiB(quantity: string): number {
  return Math.floor(parse(quantity) / 2 ** 20);
}

/** A whole count (GPUs, pods). */
export function count(quantity: string): number {
  const value = parse(quantity);
  if (!Number.isInteger(value)) throw new Error(`"${quantity}" is not a whole number`);
  return value;
}
