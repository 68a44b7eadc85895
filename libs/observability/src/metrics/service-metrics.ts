import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per service process. Service metrics are named `gridex_<service>_<name>`; counters end
 * in `_total`, histograms in `_seconds`. Node's default metrics (process_*, nodejs_*) keep their standard names so
 * stock dashboards work.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly prefix: string;

  constructor(
    readonly service: string,
    { defaultMetrics = true }: { defaultMetrics?: boolean } = {},
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(service)) {
      throw new Error(`ServiceMetrics: service name "${service}" must be lower-case letters, digits and _`);
    }
    this.prefix = `gridex_${service}_`;
    this.registry.setDefaultLabels({ service });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    return this.getOrCreate(
      name,
      () => new Counter({ name: this.prefix + name, help, labelNames, registers: [this.registry] }),
    );
  }

  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    return this.getOrCreate(
      name,
      () => new Gauge({ name: this.prefix + name, help, labelNames, registers: [this.registry], collect }),
    );
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ): Histogram<L> {
    if (!name.endsWith('_seconds')) throw new Error(`histogram ${name} must end in _seconds`);
    return this.getOrCreate(
      name,
      () =>
        new Histogram({ name: this.prefix + name, help, labelNames, buckets, registers: [this.registry] }),
    );
  }

  /** Metrics in the Prometheus text format, for GET /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // Two components may ask for the same metric (e.g. two consumers in one service); they share it.
  private getOrCreate<M>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(this.prefix + name) as M | undefined) ?? create();
  }
}
