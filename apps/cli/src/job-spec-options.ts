/** A mistake in how the CLI was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** The job options of `quote` and `jobs submit`, as commander gives them (strings, a switch, a repeatable list). */
export interface JobSpecOptions {
  name?: string;
  image?: string;
  gpus?: string;
  nodes?: string;
  gpuProducts?: string;
  minGpuMemoryGb?: string;
  interconnect?: string;
  regions?: string;
  maxPrice?: string;
  duration?: string;
  interruptible?: boolean;
  retries?: string;
  runFor?: string;
  networks?: string;
  /** `--command ARG` once per argument: the container's argv, never split on spaces. */
  command?: string[];
}

/**
 * A job spec from options (`--image`, `--gpus`, …) and the container's command (the words after `--`, or
 * `--command` once per argument), over an optional `--file spec.json`: what is given overrides the file, what is
 * not leaves it alone.
 */
export function jobSpecFrom(
  options: JobSpecOptions,
  commandWords: readonly string[] = [],
  file?: Record<string, unknown>,
): Record<string, unknown> {
  const int = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, got "${value}"`);
    return Number(value);
  };
  const list = (value: string | undefined) =>
    value
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (commandWords.length > 0 && options.command?.length) {
    throw new UsageError('give the command after -- or with --command, not both');
  }
  const command = commandWords.length > 0 ? [...commandWords] : options.command;
  const networks =
    options.networks === undefined || ['local', 'any'].includes(options.networks)
      ? options.networks
      : list(options.networks);
  const fromOptions: Record<string, unknown> = {
    name: options.name,
    image: options.image,
    command,
    gpusPerNode: int('gpus', options.gpus),
    nodes: int('nodes', options.nodes),
    gpuProducts: list(options.gpuProducts),
    minGpuMemoryGb: int('min-gpu-memory-gb', options.minGpuMemoryGb),
    interconnect: options.interconnect,
    regions: list(options.regions),
    maxPricePerGpuHour: options.maxPrice,
    expectedDurationSeconds: int('duration', options.duration),
    interruptible: options.interruptible === true ? true : undefined,
    retryBudget: int('retries', options.retries),
    networks,
    annotations: options.runFor ? { 'pod-complete.stage.kwok.x-k8s.io/delay': options.runFor } : undefined,
  };
  return {
    ...file,
    ...Object.fromEntries(Object.entries(fromOptions).filter(([, value]) => value !== undefined)),
  };
}
