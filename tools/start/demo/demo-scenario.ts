/**
 * The live scenario `npm start` runs on the demo world, through the public API only, while it shows jobs by
 * state, GPUs busy per region and the money flowing. Six stories at once, seven with the peer network:
 * - inference: a dozen single-GPU jobs on home RTX cards;
 * - training: a 2 × 8 H100 gang on InfiniBand;
 * - preemption: interruptible batch work fills the A100 pool, then an on-demand burst takes part of it back;
 * - no fit: a job nobody can serve (16 GPUs in one node), with the reasons;
 * - node lost: an H100 job's node disappears mid-run and the job fails over (the node is restored afterwards);
 * - credit: a tenant runs out of credit and its work is stopped;
 * - spill: a burst of 8 × H100 jobs larger than the H100s left in eu-north; what Gridex's own fleet cannot hold
 *   runs on the peer network in eu-west (its price plus Gridex's fee), and Gridex owes the peer what it charged.
 */
import { Job } from '@gridex/sdk';
import { stackAdminRest } from '../../stack/kubernetes/kube-rest';
import { applyNodes } from '../../stack/fleet/apply-fleet';
import { defaultFleet } from '../../stack/fleet/default-fleet';
import { ClientName, DemoWorld, micros, productOf } from './demo-world';

const IMAGE = 'registry.gridex.io/demo/worker:1';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
const STATES: ReadonlyArray<Job['status']> = [
  'queued',
  'matched',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];
/** The whole scenario ends within this, whatever happens. */
const SCENARIO_LIMIT_MS = 6 * 60_000;

type Story = 'inference' | 'training' | 'preemption' | 'no fit' | 'node lost' | 'credit' | 'spill';
const STORIES: readonly Story[] = [
  'inference',
  'training',
  'preemption',
  'no fit',
  'node lost',
  'credit',
  'spill',
];

interface Tracked {
  story: Story;
  name: string;
  client: ClientName;
  id: string;
  job?: Job;
}

/** Kubernetes' simulated nodes end a pod after this annotation's delay; without it the pod runs until stopped. */
const runFor = (seconds: number) => ({ 'pod-complete.stage.kwok.x-k8s.io/delay': `${seconds}s` });

export async function runDemoScenario(
  world: DemoWorld,
  out: NodeJS.WriteStream,
  withPeerNetwork: boolean,
): Promise<void> {
  const product = (pool: string, supplier?: string) => {
    const spec = world.pools.find((p) => p.pool === pool && (!supplier || p.supplier === supplier));
    if (!spec) throw new Error(`the demo world has no ${pool} pool`);
    return productOf(spec);
  };
  const H100 = product('h100-sxm');
  const A100 = product('a100-sxm', 'nordic-dc');
  const tracked: Tracked[] = [];
  // A clean slate: work an interrupted earlier demo left behind is cancelled first.
  for (const api of Object.values(world.clients)) {
    for await (const earlier of api.allJobs()) {
      if (!TERMINAL.has(earlier.status)) await api.cancelJob(earlier.id).catch(() => undefined);
    }
  }
  const started = Date.now();
  const money0 = await moneyTotals(world);
  const notes: string[] = [];

  async function submit(story: Story, client: ClientName, name: string, spec: Record<string, unknown>) {
    const { id } = await world.clients[client].submitJob({
      name,
      image: IMAGE,
      command: ['python', `${name.replace(/-\d+$/, '')}.py`],
      gpusPerNode: 1,
      maxPricePerGpuHour: '5.00',
      expectedDurationSeconds: 300,
      // A placement on a node that has since gone (a stale offer) fails over instead of failing the job.
      retryBudget: 2,
      ...spec,
    } as never);
    tracked.push({ story, name, client, id });
  }
  const inStory = (story: Story) => tracked.filter((t) => t.story === story);

  // All but the burst and the node loss start at once.
  for (let i = 0; i < 12; i += 1) {
    await submit('inference', 'Acme AI', `llm-infer-${i + 1}`, {
      gpuProducts: [product(i % 3 === 2 ? 'rtx3090ti' : 'rtx4090')],
      annotations: runFor(20 + (i % 4) * 5),
      expectedDurationSeconds: 60,
    });
  }
  await submit('training', 'Vision Labs', 'vit-pretrain', {
    gpuProducts: [H100],
    gpusPerNode: 8,
    nodes: 2,
    interconnect: 'infiniband',
    regions: ['eu-north'],
    annotations: runFor(45),
  });
  for (let i = 0; i < 8; i += 1) {
    await submit('preemption', 'Acme AI', `batch-embed-${i + 1}`, {
      gpuProducts: [A100],
      gpusPerNode: 8,
      regions: ['eu-north'],
      interruptible: true,
      annotations: runFor(60),
    });
  }
  const noFit = {
    gpuProducts: [H100],
    gpusPerNode: 16,
    maxPricePerGpuHour: '3.00',
    expectedDurationSeconds: 300,
  };
  const quote = await world.clients['Vision Labs'].quote({ image: IMAGE, ...noFit } as never);
  notes.push(`no fit: ${quote.reasons.join('; ')}`);
  await submit('no fit', 'Vision Labs', 'giant-node-job', noFit);
  await submit('node lost', 'Acme AI', 'resilient-train', {
    gpuProducts: [H100],
    gpusPerNode: 8,
    regions: ['us-east'],
    retryBudget: 1,
    annotations: runFor(50),
  });
  if (withPeerNetwork) {
    for (let i = 0; i < 8; i += 1) {
      await submit('spill', 'Acme AI', `burst-train-${i + 1}`, {
        gpuProducts: [H100],
        gpusPerNode: 8,
        regions: ['eu-north', 'eu-west'],
        annotations: runFor(30),
      });
    }
  }
  await submit('credit', 'Tiny Startup', 'too-ambitious', {
    gpuProducts: [H100],
    gpusPerNode: 8,
    expectedDurationSeconds: 60,
  });

  const view = new LiveView(out);
  let burstSent = false;
  let lostNode: string | undefined;
  const rest = stackAdminRest();
  try {
    while (Date.now() - started < SCENARIO_LIMIT_MS) {
      await Promise.all(
        tracked.map(async (t) => {
          t.job = await world.clients[t.client].job(t.id);
        }),
      );
      const batch = inStory('preemption').filter((t) => t.client === 'Acme AI');
      // The burst comes once the batch work holds the pool: some of it running, the rest waiting for room.
      const holding = batch.filter((t) => t.job?.status === 'running').length;
      const waiting = batch.filter((t) => t.job?.status === 'queued').length;
      if (!burstSent && holding > 0 && (waiting > 0 || holding === batch.length)) {
        burstSent = true;
        for (let i = 0; i < 3; i += 1) {
          await submit('preemption', 'Vision Labs', `urgent-serve-${i + 1}`, {
            gpuProducts: [A100],
            gpusPerNode: 8,
            regions: ['eu-north'],
            annotations: runFor(30),
          });
        }
      }
      const resilient = inStory('node lost')[0];
      if (!lostNode && resilient.job?.status === 'running' && resilient.job.allocation) {
        lostNode = resilient.job.allocation.nodes[0].node;
        await rest.call('DELETE', `/api/v1/nodes/${lostNode}`);
        notes.push(`node lost: ${lostNode} was removed while resilient-train ran on it`);
      }
      view.draw(dashboard(world, tracked, Date.now() - started, money0, await moneyTotals(world)));
      const open = tracked.filter((t) => t.story !== 'no fit' && !TERMINAL.has(t.job?.status ?? 'queued'));
      if (burstSent && lostNode && open.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  } finally {
    // Whatever is left (the job nobody can serve, anything past the time limit) is cancelled.
    for (const t of tracked.filter((t) => !TERMINAL.has(t.job?.status ?? 'queued'))) {
      await world.clients[t.client].cancelJob(t.id).catch(() => undefined);
    }
    if (lostNode) await applyNodes(rest, defaultFleet());
    rest.close();
  }
  view.finish();
  printSummary(out, world, tracked, notes, money0, await moneyTotals(world), Date.now() - started);
}

interface Money {
  /** What the demo's clients hold (available + held), what its suppliers and the networks are owed. */
  clientFundsMicros: bigint;
  payableMicros: bigint;
  networksPayableMicros: bigint;
}

/**
 * The demo's own money, from the ledger's trial balance (platform finance): only the demo tenants' accounts, so
 * whatever else the shared stack's ledger holds does not count.
 */
async function moneyTotals(world: DemoWorld): Promise<Money> {
  const clients = new Set(world.clientIds.flatMap((id) => [`tenant:${id}:available`, `tenant:${id}:held`]));
  const suppliers = new Set(world.supplierIds.map((id) => `supplier:${id}:payable`));
  let clientFundsMicros = 0n;
  let payableMicros = 0n;
  let networksPayableMicros = 0n;
  for (const { account, balance } of (await world.finance.trialBalance()).accounts) {
    if (clients.has(account)) clientFundsMicros += micros(balance);
    else if (suppliers.has(account)) payableMicros += micros(balance);
    else if (/^supplier:network:[^:]+:payable$/.test(account)) networksPayableMicros += micros(balance);
  }
  return { clientFundsMicros, payableMicros, networksPayableMicros };
}

/** Clients' spend, suppliers' earnings and the platform's margin between two readings. */
function flows(before: Money, after: Money, separator = ' · '): string {
  const spent = before.clientFundsMicros - after.clientFundsMicros;
  const earned = after.payableMicros - before.payableMicros;
  const owed = after.networksPayableMicros - before.networksPayableMicros;
  return [
    `clients spent ${usd(spent)}`,
    `suppliers earned ${usd(earned)}`,
    ...(owed !== 0n ? [`networks owed ${usd(owed)}`] : []),
    `platform revenue ${usd(spent - earned - owed)}`,
  ].join(separator);
}

/** Micro-units as dollars and cents for the dashboard (truncated to the cent). */
function usd(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const cents = (value < 0n ? -value : value) / 10_000n;
  return `${sign}$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
}

function dashboard(
  world: DemoWorld,
  tracked: Tracked[],
  elapsedMs: number,
  money0: Money,
  money: Money,
): string[] {
  const count = (status: string) => tracked.filter((t) => (t.job?.status ?? 'queued') === status).length;
  const busy = new Map<string, number>();
  for (const t of tracked.filter((t) => t.job?.status === 'running')) {
    for (const node of t.job?.allocation?.nodes ?? []) {
      const region = node.network
        ? `network ${node.network}`
        : (world.regionOf.get(node.node) ?? 'elsewhere');
      busy.set(region, (busy.get(region) ?? 0) + node.gpus);
    }
  }
  const story = (name: Story) => {
    const jobs = tracked.filter((t) => t.story === name);
    const states = STATES.map(
      (s) => [s, jobs.filter((t) => (t.job?.status ?? 'queued') === s).length] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    return `${name.padEnd(11)} ${states.join(', ')}`;
  };
  const seconds = Math.floor(elapsedMs / 1000);
  return [
    `Gridex live demo  ${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`,
    `  jobs        ${STATES.map((s) => `${s} ${count(s)}`).join(' · ')}`,
    `  GPUs busy   ${
      [...busy.entries()]
        .sort()
        .map(([r, n]) => `${r} ${n}`)
        .join(' · ') || 'none yet'
    }`,
    `  money       ${flows(money0, money)}`,
    ...STORIES.filter((s) => tracked.some((t) => t.story === s)).map((s) => `  ${story(s)}`),
  ];
}

/** Redraws the dashboard in place on a terminal; elsewhere (a log, CI) prints it every ten seconds. */
class LiveView {
  private lines = 0;
  private lastPrint = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(lines: string[]): void {
    if (this.out.isTTY) {
      if (this.lines > 0) this.out.write(`\x1b[${this.lines}A`);
      for (const line of lines) this.out.write(`\x1b[2K${line.slice(0, (this.out.columns ?? 160) - 1)}\n`);
      this.lines = lines.length;
    } else if (Date.now() - this.lastPrint >= 10_000) {
      this.out.write(`${lines.join('\n')}\n\n`);
      this.lastPrint = Date.now();
    }
  }

  finish(): void {
    this.out.write('\n');
  }
}

function printSummary(
  out: NodeJS.WriteStream,
  world: DemoWorld,
  tracked: Tracked[],
  notes: string[],
  money0: Money,
  money: Money,
  elapsedMs: number,
): void {
  const line = (text = '') => out.write(`${text}\n`);
  const outcome = (t: Tracked) => `${t.job?.status ?? 'queued'}${t.job?.reason ? ` (${t.job.reason})` : ''}`;
  line(`Demo finished in ${Math.round(elapsedMs / 1000)} s. What happened:`);
  for (const story of STORIES) {
    const jobs = tracked.filter((t) => t.story === story);
    if (jobs.length === 0) continue;
    const outcomes = new Map<string, number>();
    for (const t of jobs) outcomes.set(outcome(t), (outcomes.get(outcome(t)) ?? 0) + 1);
    line(`  ${story.padEnd(11)} ${[...outcomes.entries()].map(([o, n]) => `${n} ${o}`).join(', ')}`);
    for (const t of jobs.filter(
      (j) => j.job && j.job.timeline.some((e) => /preempted|failed/.test(`${e.event} ${e.detail ?? ''}`)),
    )) {
      const path = (t.job?.timeline ?? []).map((e) => e.event).join(' → ');
      line(`    ${t.name}: ${path}`);
    }
  }
  const spill = tracked.filter((t) => t.story === 'spill');
  if (spill.length > 0) {
    const onNetworks = spill.filter((t) => t.job?.allocation?.nodes.some((n) => n.network)).length;
    line(
      `    ${spill.length - onNetworks} ran on Gridex's own H100s, ${onNetworks} spilled onto the peer network`,
    );
  }
  for (const note of notes) line(`  ${note}`);
  line(`  money: ${flows(money0, money, ', ')}`);
  line();
  line('Where to look next:');
  line(`  web console     ${world.baseUrl}/console/   (sign in with a key, e.g. GRIDEX_OPERATOR_KEY in .stack/env)`);
  line(`  API docs        ${world.baseUrl}/docs   (the operator key is GRIDEX_OPERATOR_KEY in .stack/env)`);
  line('  metrics         http://127.0.0.1:8080/metrics … :8085/metrics (one port per service)');
  line('  CLI             bin/gridex fleet · bin/gridex dlq · GRIDEX_API_KEY=<key> bin/gridex jobs list');
  line('  logs            .stack/logs/<service>.log');
  line('Gridex keeps running; Ctrl-C stops the services.');
}
