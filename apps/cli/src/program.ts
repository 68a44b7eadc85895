import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Interconnect, onboardingCommands } from '@gridex/gpu-node-pool';
import { GridexClient, Job, JobSpec, JobStatus } from '@gridex/sdk';
import { JobSpecOptions, jobSpecFrom, UsageError } from './job-spec-options';
import { Column, defaultFormat, OutputFormat, render } from './output';

/** What the process exits with: documented in `gridex --help` and the README. */
export const EXIT = {
  ok: 0,
  /** The API refused the request (a problem on stderr), or it could not be reached. */
  refused: 1,
  /** The command line is wrong: unknown command or option, a missing or malformed value. */
  usage: 2,
  /** `jobs wait` / `jobs watch`: the job ended without succeeding (failed, cancelled, expired). */
  jobDidNotSucceed: 3,
  /** `jobs wait` / `jobs watch`: the job had not ended when `--timeout` ran out. */
  timedOut: 4,
} as const;

/** A job followed to its end that did not succeed. */
export class JobOutcomeError extends Error {
  constructor(readonly job: Job | { id: string; status: JobStatus; reason: string | null }) {
    super(`job ${job.id} ${job.status}${job.reason ? ` (${job.reason})` : ''}`);
  }
}

/** A wait that ran out of time. */
export class WaitTimeoutError extends Error {}

export interface CliIo {
  client(): GridexClient;
  out(text: string): void;
  /** Progress and messages for people (stderr: stdout stays the result). */
  err(text: string): void;
  stdoutIsTty: boolean;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  done (for jobs wait/watch: the job succeeded)
  1  the API refused the request (its problem is on stderr) or could not be reached
  2  usage: an unknown command or option, a missing or malformed value
  3  jobs wait/watch: the job ended without succeeding (failed, cancelled, expired)
  4  jobs wait/watch: --timeout ran out before the job ended

Environment: GRIDEX_API_URL (default http://127.0.0.1:8080), GRIDEX_API_KEY.`;

const JOB_COLUMNS: Column[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'status', value: (r) => r.status },
  { header: 'price/GPU-h', value: (r) => r.pricePerGpuHour },
  { header: 'submitted', value: (r) => r.submittedAt },
];
const OFFER_COLUMNS: Column[] = [
  { header: 'node', value: (r) => r.node },
  { header: 'gpu', value: (r) => r.gpuProduct },
  { header: 'free', value: (r) => `${String(r.freeGpus)}/${String(r.gpus)}` },
  { header: 'region', value: (r) => r.region },
  { header: 'price/GPU-h', value: (r) => r.pricePerGpuHour },
  { header: 'ask', value: (r) => r.askPerGpuHour },
  { header: 'fee', value: (r) => r.feePerGpuHour },
  { header: 'reliability', value: (r) => r.reliability },
  { header: 'network', value: (r) => r.network },
];
const INVOICE_COLUMNS: Column[] = [
  { header: 'invoice', value: (r) => r.invoiceId },
  { header: 'period start', value: (r) => r.periodStart },
  { header: 'period end', value: (r) => r.periodEnd },
  { header: 'total', value: (r) => r.total },
];

const TERMINAL = new Set<JobStatus>(['succeeded', 'failed', 'cancelled', 'expired']);

/** The `gridex` command: every command, its options and help, over the SDK. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('gridex')
    .description('The Gridex GPU compute exchange from a terminal')
    .addOption(
      new Option('-o, --output <format>', 'table for people, json for scripts (default: table on a terminal)')
        .choices(['table', 'json'])
        .env('GRIDEX_OUTPUT'),
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });

  const format = (): OutputFormat =>
    (program.opts<{ output?: OutputFormat }>().output ?? defaultFormat(io.stdoutIsTty)) as OutputFormat;
  const print = (result: unknown, columns?: Column[], summary?: (result: never) => unknown) =>
    io.out(render(summary && format() === 'table' ? summary(result as never) : result, format(), columns));
  const run =
    <A extends unknown[]>(
      action: (...args: A) => Promise<unknown>,
      columns?: Column[],
      summary?: (result: never) => unknown,
    ) =>
    async (...args: A) => {
      const result = await action(...args);
      if (result !== undefined) print(result, columns, summary);
    };
  const api = () => io.client();

  program
    .command('me')
    .description('who the key is')
    .action(run(() => api().me()));
  program
    .command('signup')
    .description('sign a client or supplier tenant up (it may wait for an operator’s approval)')
    .requiredOption('--name <name>', 'the tenant’s name')
    .addOption(
      new Option('--kind <kind>', 'client or supplier').choices(['client', 'supplier']).makeOptionMandatory(),
    )
    .addOption(new Option('--supplier-kind <kind>').choices(['datacenter', 'individual']))
    .option('--region <region>', 'a supplier’s region')
    .action(
      run((o: { name: string; kind: 'client' | 'supplier'; supplierKind?: 'datacenter'; region?: string }) =>
        api().signUp({ name: o.name, kind: o.kind, supplierKind: o.supplierKind, region: o.region } as never),
      ),
    );

  // ── operators ───────────────────────────────────────────────────────────────────────────────────────
  const tenants = program.command('tenants').description('tenants (operators)');
  tenants
    .command('create')
    .requiredOption('--name <name>')
    .addOption(new Option('--kind <kind>').choices(['client', 'supplier']).default('client'))
    .addOption(new Option('--supplier-kind <kind>').choices(['datacenter', 'individual', 'network']))
    .option('--region <region>')
    .action(
      run((o: { name: string; kind: 'client' | 'supplier'; supplierKind?: 'datacenter'; region?: string }) =>
        api().createTenant({
          name: o.name,
          kind: o.kind,
          ...(o.supplierKind ? { supplierKind: o.supplierKind } : {}),
          ...(o.region ? { region: o.region } : {}),
        }),
      ),
    );
  tenants.command('get <tenant>').action(run((id: string) => api().tenant(id)));
  tenants
    .command('approve <tenant>')
    .description('approve a tenant that signed itself up')
    .action(run((id: string) => api().approveTenant(id)));
  tenants
    .command('share <tenant> <weight>')
    .description('a tenant’s weight in the queue’s fair sharing of GPUs')
    .action(run((id: string, weight: string) => api().setTenantShare(id, wholeNumber('weight', weight))));
  program
    .command('keys')
    .description('API keys (operators)')
    .command('create')
    .requiredOption('--tenant <id>')
    .addOption(
      new Option('--role <role>')
        .choices(['operator', 'client', 'supplier', 'finance'])
        .makeOptionMandatory(),
    )
    .action(run((o: { tenant: string; role: 'client' }) => api().createApiKey(o.tenant, o.role)));
  program
    .command('fleet')
    .description('nodes and GPUs by region and product (operators)')
    .action(run(() => api().fleet()));
  program
    .command('clusters')
    .description('the clusters with nodes (operators)')
    .action(run(() => api().clusters()));
  program
    .command('networks')
    .description('other compute networks and their breakers (operators)')
    .action(run(() => api().networks()));
  const dlq = program.command('dlq').description('dead letters (operators)');
  dlq
    .command('list')
    .description('topics that hold dead letters')
    .action(run(() => api().deadLetters()));
  dlq
    .command('show <topic>')
    .option('--limit <n>', 'how many of the newest', '20')
    .action(
      run(async (topic: string, o: { limit: string }) => {
        const { data, error, response } = await api().raw.GET('/v1/dlq/{topic}', {
          params: { path: { topic }, query: { limit: wholeNumber('limit', o.limit) } },
        });
        if (!response.ok) throw error;
        return data;
      }),
    );
  dlq
    .command('replay <topic> <offsets...>')
    .description('re-publish dead letters to their topic once their cause is fixed')
    .action(
      run(async (topic: string, offsets: string[]) => {
        const { data, error, response } = await api().raw.POST('/v1/dlq/{topic}/replay', {
          params: { path: { topic } },
          body: { offsets },
        });
        if (!response.ok) throw error;
        return data;
      }),
    );

  // ── clients ─────────────────────────────────────────────────────────────────────────────────────────
  const withJobOptions = (command: Command) =>
    command
      .option('--file <spec.json>', 'a job spec; the options below override its fields')
      .option('--name <name>')
      .option('--image <image>', 'the container image (from a registry the exchange allows)')
      .option('--gpus <n>', 'GPUs per node')
      .option('--nodes <n>', 'nodes of a gang')
      .option('--gpu-products <list>', 'comma-separated GPU products')
      .option('--min-gpu-memory-gb <n>')
      .addOption(new Option('--interconnect <fabric>').choices(['nvlink', 'infiniband', 'pcie']))
      .option('--regions <list>', 'comma-separated regions')
      .option('--max-price <usd>', 'most per GPU-hour, e.g. 2.50')
      .option('--duration <seconds>', 'expected duration')
      .option('--interruptible', 'the cheaper tier that may be preempted')
      .option('--retries <n>', 'failovers allowed when a node is lost')
      .option('--networks <choice>', 'local, any, or comma-separated network ids')
      .option('--run-for <duration>', 'simulated fleet only: the pod ends after this (e.g. 30s)')
      .option(
        '--command <arg>',
        'one argument of the container command (repeat it); or give them after --',
        collect,
        [],
      )
      .argument('[command...]', 'the container command and its arguments, after --');
  const specOf = (words: string[], options: JobSpecOptions & { file?: string }) =>
    jobSpecFrom(
      options,
      words,
      options.file ? (JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>) : undefined,
    ) as unknown as JobSpec;

  withJobOptions(
    program.command('quote').description('what a job would get now and cost, or why nothing fits'),
  ).action(
    run((words: string[], options: JobSpecOptions & { file?: string }) =>
      api().quote(specOf(words, options)),
    ),
  );
  const jobs = program.command('jobs').description('jobs: submit, list, follow, logs, cancel');
  withJobOptions(jobs.command('submit').description('submit a job (it is matched or queued)')).action(
    run((words: string[], options: JobSpecOptions & { file?: string }) =>
      api().submitJob(specOf(words, options)),
    ),
  );
  jobs
    .command('list')
    .option('--limit <n>', 'jobs per page', '50')
    .option('--cursor <cursor>', 'the next page')
    .action(
      run(
        (o: { limit: string; cursor?: string }) =>
          api().jobs({ limit: wholeNumber('limit', o.limit), ...(o.cursor ? { cursor: o.cursor } : {}) }),
        JOB_COLUMNS,
      ),
    );
  jobs.command('get <job>').action(run((id: string) => api().job(id), undefined, jobSummary));
  jobs.command('cancel <job>').action(run((id: string) => api().cancelJob(id)));
  jobs
    .command('wait <job>')
    .description('wait until the job ends: exit 0 if it succeeded, 3 if not, 4 on --timeout')
    .option('--timeout <seconds>', 'give up after this long', '3600')
    .action(
      run(
        (id: string, o: { timeout: string }) => follow(io, id, wholeNumber('timeout', o.timeout), false),
        undefined,
        jobSummary,
      ),
    );
  jobs
    .command('watch <job>')
    .description('show each change of the job on stderr as it happens, then the job; exits as wait does')
    .option('--timeout <seconds>', 'give up after this long', '3600')
    .action(
      run(
        (id: string, o: { timeout: string }) => follow(io, id, wholeNumber('timeout', o.timeout), true),
        undefined,
        jobSummary,
      ),
    );
  jobs
    .command('logs <job>')
    .description("the job's container output")
    .option('-f, --follow', 'keep printing new lines until the job ends')
    .option('--tail <n>', 'only the last n lines')
    .option('--since <when>', 'only lines from this long ago (90s, 15m, 2h) or this time on')
    .option('--node <node>', "one gang member's lines")
    .option('--timestamps', 'start each line with its time')
    .action(
      async (
        id: string,
        o: { follow?: boolean; tail?: string; since?: string; node?: string; timestamps?: boolean },
      ) => {
        const query = {
          ...(o.tail ? { tail: wholeNumber('tail', o.tail) } : {}),
          ...(o.since ? { since: o.since } : {}),
          ...(o.node ? { node: o.node } : {}),
          ...(o.timestamps ? { timestamps: 'true' as const } : {}),
        };
        if (!o.follow) {
          const text = await api().jobLogs(id, query);
          if (text) io.out(text.replace(/\n$/, ''));
          return;
        }
        for await (const line of api().followJobLogs(id, query)) io.out(line);
      },
    );
  program
    .command('offers')
    .description('what is free now, at the price a client pays (no key needed)')
    .option('--gpu-product <list>', 'comma-separated GPU products')
    .option('--region <list>')
    .option('--min-free-gpus <n>')
    .option('--max-price <usd>')
    .option('--min-reliability <0-1>')
    .option('--verified-only')
    .addOption(new Option('--sort <order>').choices(['price', 'perf-per-dollar', 'reliability']))
    .option('--limit <n>', 'offers per page', '20')
    .option('--cursor <cursor>')
    .action(
      run(
        (o: {
          gpuProduct?: string;
          region?: string;
          minFreeGpus?: string;
          maxPrice?: string;
          minReliability?: string;
          verifiedOnly?: boolean;
          sort?: 'price';
          limit: string;
          cursor?: string;
        }) =>
          api().offers({
            ...(o.gpuProduct ? { gpuProduct: o.gpuProduct } : {}),
            ...(o.region ? { region: o.region } : {}),
            ...(o.minFreeGpus ? { minFreeGpus: wholeNumber('min-free-gpus', o.minFreeGpus) } : {}),
            ...(o.maxPrice ? { maxPricePerGpuHour: o.maxPrice } : {}),
            ...(o.minReliability ? { minReliability: Number(o.minReliability) } : {}),
            ...(o.verifiedOnly ? { verifiedOnly: 'true' as const } : {}),
            ...(o.sort ? { sort: o.sort } : {}),
            limit: wholeNumber('limit', o.limit),
            ...(o.cursor ? { cursor: o.cursor } : {}),
          }),
        OFFER_COLUMNS,
      ),
    );
  program.command('balance').action(run(() => api().balance()));
  const credits = program.command('credits').description('top-ups');
  credits
    .command('add <amount>')
    .option('--payment-method <token>', 'the payment provider’s token', 'pm_test_visa')
    .action(run((amount: string, o: { paymentMethod: string }) => api().addCredits(amount, o.paymentMethod)));
  credits.command('get <topUp>').action(run((id: string) => api().topUp(id)));
  program
    .command('usage')
    .option('--job <job>')
    .action(run((o: { job?: string }) => api().usage(o.job ? { jobId: o.job } : {})));
  const invoices = program.command('invoices');
  invoices
    .command('list')
    .option('--tenant <id>', 'platform finance: one tenant’s')
    .action(
      run(
        (o: { tenant?: string }) => api().invoices(o.tenant ? { tenantId: o.tenant } : {}),
        INVOICE_COLUMNS,
      ),
    );
  invoices
    .command('get <invoice>')
    .option('--csv', 'as CSV (amounts in micro-units)')
    .action(run((id: string, o: { csv?: boolean }) => (o.csv ? api().invoiceCsv(id) : api().invoice(id))));

  // ── suppliers ───────────────────────────────────────────────────────────────────────────────────────
  const supplier = program.command('supplier').description('your nodes, offers, stake, rewards and payouts');
  supplier.command('show').action(run(() => api().supplier()));
  supplier.command('nodes').action(run(() => api().supplierNodes()));
  supplier
    .command('offer <pool>')
    .requiredOption('--price <usd>', 'on-demand ask per GPU-hour')
    .option('--interruptible-price <usd>')
    .option('--min-lease <seconds>')
    .action(
      run((pool: string, o: { price: string; interruptiblePrice?: string; minLease?: string }) =>
        api().declareOffer(pool, {
          pricePerGpuHour: o.price,
          ...(o.interruptiblePrice ? { interruptiblePricePerGpuHour: o.interruptiblePrice } : {}),
          ...(o.minLease ? { minLeaseSeconds: wholeNumber('min-lease', o.minLease) } : {}),
        }),
      ),
    );
  supplier
    .command('stake <node> <amount>')
    .action(run((node: string, amount: string) => api().stake(node, amount)));
  supplier
    .command('unstake <node> <amount>')
    .action(run((node: string, amount: string) => api().unstake(node, amount)));
  supplier.command('rewards').action(run(() => api().rewards()));
  supplier.command('earnings').action(run(() => api().earnings()));
  supplier
    .command('payout')
    .option('--amount <usd>')
    .option('--tokens <n>')
    .action(
      run((o: { amount?: string; tokens?: string }) => api().payout({ amount: o.amount, tokens: o.tokens })),
    );
  supplier
    .command('onboard <nodes...>')
    .description('print the kubectl lines that label and taint your nodes (docs/supplier-onboarding.md)')
    .requiredOption('--pool <pool>')
    .requiredOption('--region <region>')
    .addOption(
      new Option('--interconnect <fabric>').choices(['nvlink', 'infiniband', 'pcie']).makeOptionMandatory(),
    )
    .option('--supplier <id>', 'default: the key’s tenant')
    .action(
      run(
        async (
          nodes: string[],
          o: { pool: string; region: string; interconnect: Interconnect; supplier?: string },
        ) => {
          const supplierId = o.supplier ?? (await api().me()).tenantId;
          try {
            return onboardingCommands({
              supplier: supplierId,
              pool: o.pool,
              region: o.region,
              interconnect: o.interconnect,
              nodes,
            }).join('\n');
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        },
      ),
    );

  // ── finance ─────────────────────────────────────────────────────────────────────────────────────────
  const finance = program.command('finance').description('the ledger (platform finance)');
  finance
    .command('ledger')
    .option('--from <iso>')
    .option('--to <iso>')
    .action(
      run((o: { from?: string; to?: string }) =>
        api().ledger({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) }),
      ),
    );
  finance.command('trial-balance').action(run(() => api().trialBalance()));
  finance
    .command('reconciliation')
    .option('--network <id>')
    .action(
      run((o: { network?: string }) =>
        api().networkReconciliation(o.network ? { networkId: o.network } : {}),
      ),
    );
  return program;
}

/**
 * Follows a job to its end over its event stream (no polling): `watch` prints each change on stderr. Resolves
 * with the job when it succeeded; throws JobOutcomeError when it ended otherwise, WaitTimeoutError on time out.
 */
async function follow(io: CliIo, jobId: string, timeoutSeconds: number, progress: boolean): Promise<Job> {
  const client = io.client();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutSeconds * 1000);
  try {
    for await (const item of client.jobEvents(jobId, { signal: abort.signal })) {
      if (item.type === 'timeline' && progress) {
        io.err(`${item.event.at}  ${item.event.event}${item.event.detail ? `  ${item.event.detail}` : ''}`);
      }
      if (item.type === 'end') break;
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  const job = await client.job(jobId);
  if (
    !TERMINAL.has(job.status) ||
    (job.status === 'failed' && job.reason === 'node-lost' && abort.signal.aborted)
  ) {
    throw new WaitTimeoutError(`job ${jobId} is still ${job.status} after ${timeoutSeconds} s`);
  }
  if (job.status !== 'succeeded') throw new JobOutcomeError(job);
  return job;
}

/** A job as people read it in a table: where it runs and why, without the raw timeline. */
export function jobSummary(job: Job): Record<string, unknown> {
  const chosen = job.explanation?.chosen;
  const runnerUp = job.explanation?.runnerUp;
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    reason: job.reason,
    pricePerGpuHour: job.pricePerGpuHour,
    nodes:
      job.allocation?.nodes.map((n) => `${n.node} (${n.gpus} GPU${n.gpus === 1 ? '' : 's'})`).join(', ') ??
      null,
    why: chosen
      ? `score ${chosen.score.total.toFixed(2)} at ${chosen.pricePerGpuHour}/GPU-h in ${chosen.region}` +
        (runnerUp ? `; runner-up ${runnerUp.node} ${runnerUp.score.total.toFixed(2)}` : '')
      : null,
    submittedAt: job.submittedAt,
    events: job.timeline.length,
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}
