/**
 * `npm run bench:summary` (the last step of `npm run bench`): gathers every figure the benchmarks wrote to
 * bench/results/<bench>.json into one table against its target — bench/results/summary.md and summary.json.
 * A figure whose benchmark has not run yet is listed as not run, one it could not measure as not measured;
 * neither is guessed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

type Comparison = '>=' | '<=' | '=';

export interface Figure {
  bench: string;
  figure: string;
  /** Dotted path into bench/results/<bench>.json. */
  path: string;
  unit?: string;
  target?: { op: Comparison; value: number };
}

/** Every figure worth a line, with the target its issue set (none for a baseline). */
export const FIGURES: readonly Figure[] = [
  {
    bench: 'messaging',
    figure: 'outbox → inbox, exactly once',
    path: 'eventsPerSecond',
    unit: 'events/s',
    target: { op: '>=', value: 5000 },
  },
  { bench: 'messaging', figure: 'lost events', path: 'lost', target: { op: '=', value: 0 } },
  { bench: 'messaging', figure: 'duplicated effects', path: 'duplicates', target: { op: '=', value: 0 } },
  {
    bench: 'console',
    figure: 'web console first load, JavaScript gzipped',
    path: 'firstLoadJsGzipKb',
    unit: 'KB',
    target: { op: '<=', value: 300 },
  },
  {
    bench: 'console',
    figure: 'web console: 1,000 jobs on screen (median)',
    path: 'jobList1000MedianMs',
    unit: 'ms',
    target: { op: '<=', value: 1000 },
  },
  {
    bench: 'cluster',
    figure: 'idle fleet of 5,000 nodes, Kubernetes side',
    path: 'idle.5000.kubernetesCoresBusy',
    unit: 'cores',
    target: { op: '<=', value: 0.3 },
  },
  {
    bench: 'cluster',
    figure: 'idle fleet of 1,000 nodes, Kubernetes side',
    path: 'idle.1000.kubernetesCoresBusy',
    unit: 'cores',
  },
  {
    bench: 'cluster',
    figure: 'kube-scheduler placement (baseline)',
    path: 'kubeSchedulerPodsPerSecond',
    unit: 'pods/s',
  },
  {
    bench: 'inventory',
    figure: 'capacity feed resync, 10,000 nodes',
    path: 'resyncSeconds',
    unit: 's',
    target: { op: '<=', value: 10 },
  },
  {
    bench: 'inventory',
    figure: 'node updates into the feed',
    path: 'updatesPerSecond',
    unit: 'updates/s',
    target: { op: '>=', value: 2000 },
  },
  {
    bench: 'federation',
    figure: 'routing decision p99, 10 networks × 10,000 offers',
    path: 'routingDecisionP99Ms',
    unit: 'ms',
    target: { op: '<=', value: 2 },
  },
  {
    bench: 'federation',
    figure: 'routing decision p99, local-only book (baseline)',
    path: 'baselineLocalOnlyP99Ms',
    unit: 'ms',
  },
  {
    bench: 'federation-live',
    figure: 'extra hand-over through a peer, p50',
    path: 'handOver.extraP50Ms',
    unit: 'ms',
    target: { op: '<=', value: 500 },
  },
  {
    bench: 'federation-live',
    figure: 'submit → running on local capacity, p50 (baseline)',
    path: 'handOver.localP50Ms',
    unit: 'ms',
  },
  {
    bench: 'federation-live',
    figure: 'jobs placed twice, 1,000 placements with injected timeouts',
    path: 'doublePlacement.doublePlacedJobs',
    target: { op: '=', value: 0 },
  },
  {
    bench: 'fairness',
    figure: 'worst tenant off its fair share, one drain cycle, 20,000-job backlog',
    path: 'worstOffByPct.value',
    unit: '%',
    target: { op: '<=', value: 5 },
  },
  {
    bench: 'fairness',
    figure: 'the same, oldest-first order (baseline)',
    path: 'baselineWorstOffByPct',
    unit: '%',
  },
  {
    bench: 'matching',
    figure: 'region spread: largest gap to a region’s capacity share',
    path: 'regionSpread.largestGapPoints.value',
    unit: 'points',
    target: { op: '<=', value: 10 },
  },
  {
    bench: 'matching',
    figure: 'region spread without load spread (baseline)',
    path: 'regionSpread.largestGapPointsWithoutLoadSpread',
    unit: 'points',
  },
  {
    bench: 'matching',
    figure: 'decisions at 1,000,000 GPUs',
    path: 'targetsAtLargest.decisionsPerSecond.value',
    unit: 'decisions/s',
    target: { op: '>=', value: 20000 },
  },
  {
    bench: 'matching',
    figure: 'decision p99 at 1,000,000 GPUs',
    path: 'targetsAtLargest.p99Ms.value',
    unit: 'ms',
    target: { op: '<=', value: 1 },
  },
  {
    bench: 'matching',
    figure: 'gang decision p99',
    path: 'targetsAtLargest.gangP99Ms.value',
    unit: 'ms',
    target: { op: '<=', value: 5 },
  },
  {
    bench: 'matching',
    figure: 'GPUs allocated twice',
    path: 'targetsAtLargest.overAllocations.value',
    target: { op: '=', value: 0 },
  },
  {
    bench: 'matching',
    figure: 'gap to the optimal placement',
    path: 'targetsAtLargest.optimalityGapPct.value',
    unit: '%',
    target: { op: '<=', value: 3 },
  },
  {
    bench: 'placement',
    figure: 'orchestrator placement vs its ceiling (bare pods bound by nodeName)',
    path: 'ratioVsDirectBind',
    unit: '×',
    target: { op: '>=', value: 0.9 },
  },
  {
    bench: 'placement',
    figure: 'orchestrator placement vs kube-scheduler (baseline)',
    path: 'ratioVsKubeScheduler',
    unit: '×',
  },
  {
    bench: 'placement',
    figure: "placing CPU per pod, orchestrator's vs kube-scheduler's",
    path: 'cpuPerPodRatioVsKubeScheduler',
    unit: '×',
    target: { op: '<=', value: 0.33 },
  },
  {
    bench: 'billing',
    figure: 'metering events',
    path: 'eventsPerSecond',
    unit: 'events/s',
    target: { op: '>=', value: 10000 },
  },
  { bench: 'billing', figure: 'ledger mismatches', path: 'mismatches', target: { op: '=', value: 0 } },
  { bench: 'billing', figure: 'double-counted events', path: 'duplicates', target: { op: '=', value: 0 } },
  { bench: 'billing', figure: '100,000-line invoice', path: 'invoiceSeconds', unit: 's' },
  {
    bench: 'rewards',
    figure: 'epoch close, 100,000 nodes',
    path: 'epochCloseSeconds',
    unit: 's',
    target: { op: '<=', value: 5 },
  },
  {
    bench: 'rewards',
    figure: 'emission rounding error',
    path: 'emissionErrorUnits',
    unit: 'units',
    target: { op: '=', value: 0 },
  },
  {
    bench: 'rewards',
    figure: 'token payouts, ledger only',
    path: 'tokenPayouts.ledger.perSecond',
    unit: '/s',
  },
  {
    bench: 'rewards',
    figure: 'token payouts on the chain',
    path: 'tokenPayouts.chain.perSecond',
    unit: '/s',
  },
  {
    bench: 'gateway',
    figure: 'GET /v1/jobs/{id} p99 at 200 req/s',
    path: 'getJob.p99Ms',
    unit: 'ms',
    target: { op: '<=', value: 50 },
  },
  { bench: 'gateway', figure: 'POST /v1/quotes p99 at 200 req/s', path: 'postQuote.p99Ms', unit: 'ms' },
  { bench: 'gateway', figure: 'errors', path: 'errors', target: { op: '=', value: 0 } },
  {
    bench: 'e2e',
    figure: 'submit → Running p50 at 50 jobs/s',
    path: 'p50Ms',
    unit: 'ms',
    target: { op: '<=', value: 300 },
  },
  {
    bench: 'e2e',
    figure: 'submit → Running p99 at 50 jobs/s',
    path: 'p99Ms',
    unit: 'ms',
    target: { op: '<=', value: 1000 },
  },
  {
    bench: 'e2e',
    figure: 'knee: first step (5 … 50 jobs/s) whose p99 submit → Running exceeds 1 s',
    path: 'knee.rate',
    unit: 'jobs/s',
  },
  { bench: 'e2e', figure: 'submit → Running p50 at the probe rate', path: 'probe.p50Ms', unit: 'ms' },
  {
    bench: 'e2e',
    figure: 'CPU of the six services per single-GPU job, POST to settled',
    path: 'costPerJob.exchange.cpuMs.servicesTotal',
    unit: 'ms',
    target: { op: '<=', value: 15 },
  },
  {
    bench: 'e2e',
    figure: 'API server writes per single-node job',
    path: 'costPerJob.exchange.apiserver.writes',
    target: { op: '<=', value: 4 },
  },
  {
    bench: 'e2e',
    figure: 'API server writes per kube-scheduler pod (baseline)',
    path: 'costPerJob.kubeSchedulerPod.apiserver.writes',
  },
  {
    bench: 'e2e',
    figure: 'submit → pod bound p50 at the probe rate',
    path: 'probe.submittedToScheduled.p50Ms',
    unit: 'ms',
  },
  {
    bench: 'e2e',
    figure: 'match → billing hold p50 at the probe rate (the wait before a pod)',
    path: 'probe.stages.matchedToHeld.p50Ms',
    unit: 'ms',
  },
  {
    bench: 'e2e',
    figure: 'CPU per job beyond the idle fleet (probe)',
    path: 'probe.cpu.cpuMsPerJob',
    unit: 'ms',
  },
  {
    bench: 'e2e',
    figure: 'ceiling: jobs/s this machine has the CPU for (probe)',
    path: 'probe.cpu.sustainableJobsPerSecond',
    unit: 'jobs/s',
  },
];

export interface SummaryRow extends Figure {
  /** Whether its benchmark has written results; a figure it ran without being able to measure is null. */
  ran: boolean;
  value: number | null;
  met: boolean | null;
  measuredAt: string | null;
}

function valueAt(document: unknown, dotted: string): number | null {
  let node = document;
  for (const key of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : null;
}

export function meets(value: number, target: NonNullable<Figure['target']>): boolean {
  if (target.op === '>=') return value >= target.value;
  if (target.op === '<=') return value <= target.value;
  return value === target.value;
}

/** The table's rows from the results documents (by bench name; absent = not run). */
export function summarize(results: Record<string, unknown>): SummaryRow[] {
  return FIGURES.map((figure) => {
    const document = results[figure.bench];
    const value = document === undefined ? null : valueAt(document, figure.path);
    const measuredAt =
      document && typeof (document as { measuredAt?: unknown }).measuredAt === 'string'
        ? (document as { measuredAt: string }).measuredAt
        : null;
    return {
      ...figure,
      ran: document !== undefined,
      value,
      met: value === null || !figure.target ? null : meets(value, figure.target),
      measuredAt,
    };
  });
}

export function markdown(rows: readonly SummaryRow[]): string {
  const lines = [
    '| benchmark | figure | value | target | met | measured |',
    '| --- | --- | ---: | --- | :---: | --- |',
    ...rows.map(
      (row) =>
        `| ${[
          row.bench,
          row.figure,
          row.value === null
            ? row.ran
              ? 'not measured'
              : 'not run'
            : `${row.value.toLocaleString('en-US')}${row.unit ? ` ${row.unit}` : ''}`,
          row.target ? `${row.target.op} ${row.target.value.toLocaleString('en-US')}` : 'baseline',
          row.met === null ? '' : row.met ? 'yes' : '**no**',
          row.measuredAt?.slice(0, 10) ?? '',
        ].join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const dir = path.resolve(__dirname, '..', 'results');
  const results: Record<string, unknown> = {};
  for (const bench of new Set(FIGURES.map((f) => f.bench))) {
    const file = path.join(dir, `${bench}.json`);
    if (existsSync(file)) results[bench] = JSON.parse(readFileSync(file, 'utf8'));
  }
  const rows = summarize(results);
  const table = markdown(rows);
  writeFileSync(
    path.join(dir, 'summary.json'),
    `${JSON.stringify({ generatedAt: new Date().toISOString(), figures: rows }, null, 2)}\n`,
  );
  writeFileSync(path.join(dir, 'summary.md'), `# Benchmark summary\n\n${table}`);
  process.stdout.write(table);
  const missed = rows.filter((r) => r.met === false).length;
  const notRun = rows.filter((r) => !r.ran).length;
  const notMeasured = rows.filter((r) => r.ran && r.value === null).length;
  process.stdout.write(
    `\n${rows.length} figures: ${missed} miss their target, ${notRun} not run, ${notMeasured} not measured\n`,
  );
}

if (require.main === module) main();
