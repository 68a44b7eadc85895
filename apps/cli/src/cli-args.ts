/** A parsed command line: positional words and `--flag value` / `--flag=value` / `--switch` options. */
export interface ParsedArgs {
  words: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const words: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    const flag = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!flag) {
      words.push(arg);
    } else if (flag[2] !== undefined) {
      flags[flag[1]] = flag[2];
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      flags[flag[1]] = argv[i + 1];
      i += 1;
    } else {
      flags[flag[1]] = true;
    }
  }
  return { words, flags };
}

/** A job spec from flags (`--image`, `--gpus`, …) over an optional `--file spec.json`. */
export function jobSpecFrom(
  flags: ParsedArgs['flags'],
  file?: Record<string, unknown>,
): Record<string, unknown> {
  const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const int = (name: string) => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
  const list = (name: string) =>
    text(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const fromFlags: Record<string, unknown> = {
    name: text('name'),
    image: text('image'),
    command: text('command')?.split(' ').filter(Boolean),
    gpusPerNode: int('gpus'),
    nodes: int('nodes'),
    gpuProducts: list('gpu-products'),
    minGpuMemoryGb: int('min-gpu-memory-gb'),
    interconnect: text('interconnect'),
    regions: list('regions'),
    maxPricePerGpuHour: text('max-price'),
    expectedDurationSeconds: int('duration'),
    interruptible: flags.interruptible === true ? true : undefined,
    retryBudget: int('retries'),
    annotations: text('run-for') ? { 'pod-complete.stage.kwok.x-k8s.io/delay': text('run-for') } : undefined,
  };
  // Flags given override the file; flags not given leave the file's fields alone.
  return {
    ...file,
    ...Object.fromEntries(Object.entries(fromFlags).filter(([, value]) => value !== undefined)),
  };
}

/** A mistake in how the CLI was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}
