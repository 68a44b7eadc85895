import type { EntityManager } from 'typeorm';
import { EventContract, EventExamples, JobMatchedPayload, WorkloadFinishedPayload } from '@gridex/contracts';
import type { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { StopReason, WorkloadState } from '../domain/workload-lifecycle';
import {
  ClusterApi,
  ClusterRefusedError,
  NamespaceMissingError,
  WorkloadLogKeeper,
  WorkloadRef,
} from './cluster-api.port';
import type { TenantNamespaces } from './tenant-namespaces.service';
import type { NetworkPlacements } from '../networks/network-placements.service';
import { WorkloadLifecycle } from './workload-lifecycle.service';
import { TenantObjects, WorkloadObjects } from './workload-manifests';
import type { NewWorkload, WorkloadRow, WorkloadStore } from './workload.store';

/**
 * The workload lifecycle against fakes of everything it talks to: the cluster port records what it was asked
 * to create and delete (or refuses, when told to), the store keeps rows in memory, the outbox records events.
 * The real cluster, database and broker are the integration test's (`workloads.int-spec.ts`).
 */
const example = EventExamples['matching.job-matched'] as unknown as JobMatchedPayload;
const CLUSTER = example.allocations[0].clusterId;
const tx = {} as EntityManager;
const origin = { correlationId: 'c-1', causationId: null };

class FakeCluster extends ClusterApi {
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly tenants: string[] = [];
  refuseWith?: Error;

  async createTenant(objects: TenantObjects): Promise<void> {
    this.tenants.push(objects.namespace.metadata?.name ?? '');
  }
  async createWorkload(objects: WorkloadObjects): Promise<void> {
    if (this.refuseWith) throw this.refuseWith;
    this.created.push(objects.name);
  }
  async deleteWorkload(workload: WorkloadRef): Promise<void> {
    this.deleted.push(workload.name);
    this.order.push(`delete ${workload.name}`);
  }
  /** Log keeping and deletions, in the order they happened. */
  readonly order: string[] = [];
}

/** Keeps (in memory) the fact that a workload's logs were read before its pods went. */
class FakeLogKeeper extends WorkloadLogKeeper {
  constructor(private readonly cluster: FakeCluster) {
    super();
  }
  async keepFinal(workload: WorkloadRow): Promise<void> {
    this.cluster.order.push(`keep logs ${workload.name}`);
  }
}

/** Another network, in memory: what was placed there (by idempotency key) and cancelled, or how it fails. */
class FakeNetworks {
  readonly placed = new Map<string, string>();
  readonly cancelled: string[] = [];
  failWith?: { kind: 'not-placed' | 'unknown'; reason: string };

  networkOf(matched: JobMatchedPayload): string | undefined {
    const networkId = matched.allocations[0].networkId;
    return networkId === 'peer-b' ? networkId : undefined;
  }
  async place(_networkId: string, _request: unknown, key: string) {
    if (this.failWith) return this.failWith;
    const externalJobId = this.placed.get(key) ?? `ext-${this.placed.size + 1}`;
    this.placed.set(key, externalJobId);
    return { kind: 'placed' as const, job: { externalJobId, status: 'queued' as const } };
  }
  async cancel(row: WorkloadRow): Promise<boolean> {
    this.cancelled.push(row.external_job_id ?? '(none)');
    return true;
  }
}

/** The store's behaviour, in memory: rows by reservation, and the commands remembered before them. */
class FakeStore {
  readonly rows = new Map<string, WorkloadRow>();
  readonly cancelled = new Set<string>();
  readonly stops = new Map<string, StopReason>();
  readonly holds = new Set<string>();

  readonly locked: string[] = [];
  async lockReservations(_tx: unknown, reservationIds: readonly string[]): Promise<void> {
    this.locked.push(...reservationIds);
  }
  async commandsFor(_tx: unknown, jobId: string, reservationId: string) {
    const stoppedBy = this.cancelled.has(jobId) ? 'cancelled' : this.stops.get(reservationId);
    return { stoppedBy, holdPlaced: this.holds.has(reservationId) };
  }
  async insert(_tx: unknown, w: NewWorkload, state: WorkloadState): Promise<WorkloadRow | undefined> {
    if (this.rows.has(w.matched.reservationId)) return undefined;
    const row: WorkloadRow = {
      workload_id: w.workloadId,
      reservation_id: w.matched.reservationId,
      job_id: w.matched.jobId,
      tenant_id: w.matched.tenantId,
      correlation_id: w.correlationId,
      namespace: w.namespace,
      name: w.name,
      kind: w.kind,
      pod_count: w.matched.allocations.length,
      allocations: w.matched.allocations.map((a) => ({ clusterId: a.clusterId, nodeName: a.nodeName })),
      state,
      started_at: null,
      finished_at: null,
      cleaned_up: false,
      matched: state === 'awaiting-hold' ? w.matched : null,
      network_id: w.networkId ?? null,
      network_request: null,
      placed_at: null,
      external_job_id: null,
    };
    this.rows.set(row.reservation_id, row);
    return { ...row };
  }
  async rememberHold(_tx: unknown, reservationId: string): Promise<boolean> {
    if (this.holds.has(reservationId)) return false;
    this.holds.add(reservationId);
    return true;
  }
  async lockAwaitingHold(_tx: unknown, reservationId: string) {
    const row = this.rows.get(reservationId);
    return row?.state === 'awaiting-hold' ? { ...row } : undefined;
  }
  async lockLive(_tx: unknown, target: { jobId: string } | { reservationId: string }) {
    return [...this.rows.values()]
      .filter((r) =>
        'jobId' in target ? r.job_id === target.jobId : r.reservation_id === target.reservationId,
      )
      .filter((r) => ['awaiting-hold', 'created', 'scheduled', 'running'].includes(r.state))
      .map((r) => ({ ...r }));
  }
  async rememberCancellation(_tx: unknown, jobId: string): Promise<void> {
    this.cancelled.add(jobId);
  }
  async rememberStop(_tx: unknown, reservationId: string, reason: StopReason): Promise<void> {
    this.stops.set(reservationId, reason);
  }
  async transition(_tx: unknown, workloadId: string, state: WorkloadState): Promise<void> {
    const row = [...this.rows.values()].find((r) => r.workload_id === workloadId);
    if (row) Object.assign(row, { state, matched: state === 'awaiting-hold' ? row.matched : null });
  }
  async recordNetworkRequest(_tx: unknown, workloadId: string, request: unknown, at: Date): Promise<void> {
    const row = [...this.rows.values()].find((r) => r.workload_id === workloadId);
    if (row) Object.assign(row, { network_request: request, placed_at: at });
  }
  async recordPlacement(_tx: unknown, workloadId: string, externalJobId: string): Promise<boolean> {
    const row = [...this.rows.values()].find((r) => r.workload_id === workloadId);
    if (row) Object.assign(row, { external_job_id: externalJobId });
    return row !== undefined;
  }
  async markCleanedUp(_tx: unknown, workloadId: string): Promise<void> {
    const row = [...this.rows.values()].find((r) => r.workload_id === workloadId);
    if (row) row.cleaned_up = true;
  }
}

class FakeOutbox {
  readonly events: Array<{ type: string; payload: unknown }> = [];
  async emit<T>(_tx: unknown, contract: EventContract<T>, payload: T): Promise<void> {
    this.events.push({ type: contract.type, payload });
  }
  finished(): WorkloadFinishedPayload[] {
    return this.events
      .filter((e) => e.type === 'orchestrator.workload-finished')
      .map((e) => e.payload as WorkloadFinishedPayload);
  }
}

function setUp() {
  const cluster = new FakeCluster();
  const store = new FakeStore();
  const outbox = new FakeOutbox();
  const networks = new FakeNetworks();
  const logs = new FakeLogKeeper(cluster);
  const forgotten: string[] = [];
  const namespaces = {
    ensure: async (tenantId: string) => cluster.tenants.push(tenantId),
    forget: async (tenantId: string) => forgotten.push(tenantId),
  } as unknown as TenantNamespaces;
  const config = {
    CLUSTER_ID: CLUSTER,
    ALLOWED_REGISTRIES: ['registry.gridex.io'],
    STOP_GRACE_SECONDS: 0,
  } as unknown as OrchestratorConfig;
  const lifecycle = new WorkloadLifecycle(
    config,
    store as unknown as WorkloadStore,
    cluster,
    namespaces,
    outbox as unknown as OutboxWriter,
    networks as unknown as NetworkPlacements,
    new ServiceMetrics('orchestrator_test', { defaultMetrics: false }),
    logs,
  );
  return { lifecycle, cluster, store, outbox, networks, forgotten, logs };
}

let sequence = 0;
const allocation = (patch: Partial<JobMatchedPayload> = {}): JobMatchedPayload => {
  sequence += 1;
  return {
    ...example,
    jobId: `job-${sequence}`,
    reservationId: `00000000-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    ...patch,
  };
};

describe('WorkloadLifecycle', () => {
  it.each<
    [string, (s: ReturnType<typeof setUp>, job: JobMatchedPayload) => void, boolean, string | undefined]
  >([
    ['a held allocation is launched', (s, job) => s.store.holds.add(job.reservationId), true, undefined],
    ['an unpaid allocation waits, creating nothing', () => undefined, false, undefined],
    [
      'an allocation cancelled before it came is refused',
      (s, job) => {
        s.store.holds.add(job.reservationId);
        s.store.cancelled.add(job.jobId);
      },
      false,
      'cancelled',
    ],
    [
      'an allocation whose hold was refused first is refused',
      (s, job) => s.store.stops.set(job.reservationId, 'credit-exhausted'),
      false,
      'credit-exhausted',
    ],
  ])('%s', async (_name, before, launched, failedWith) => {
    const s = setUp();
    const job = allocation();
    before(s, job);
    await s.lifecycle.start(tx, [{ matched: job, origin }]);
    expect(s.cluster.created).toEqual(launched ? [`w-${job.reservationId}`] : []);
    expect(s.outbox.finished().map((f) => f.reason)).toEqual(failedWith ? [failedWith] : []);
  });

  it("launches a waiting workload when its hold arrives, once, and ignores another cluster's", async () => {
    const s = setUp();
    const job = allocation();
    const elsewhere = allocation({ allocations: [{ ...example.allocations[0], clusterId: 'other' }] });
    await s.lifecycle.start(tx, [
      { matched: job, origin },
      { matched: elsewhere, origin },
    ]);
    expect(s.store.rows.get(job.reservationId)?.state).toBe('awaiting-hold');
    expect(s.store.rows.has(elsewhere.reservationId)).toBe(false);
    await s.lifecycle.holdsPlaced(tx, [{ reservationId: job.reservationId, origin }]);
    await s.lifecycle.holdsPlaced(tx, [{ reservationId: job.reservationId, origin }]); // a redelivery
    expect(s.cluster.created).toEqual([`w-${job.reservationId}`]);
    expect(s.store.rows.get(job.reservationId)).toMatchObject({ state: 'created', matched: null });
    // Both paths take the reservation's lock (the allocation and its hold race on different topics); the other
    // cluster's allocation is not even locked.
    expect(s.store.locked).toEqual([job.reservationId, job.reservationId, job.reservationId]);
  });

  it('does not wait for a reservation with no price to hold', async () => {
    const s = setUp();
    const free = allocation({
      allocations: [{ ...example.allocations[0], pricePerGpuHour: { currency: 'USD', micros: '0' } }],
    });
    await s.lifecycle.start(tx, [{ matched: free, origin }]);
    expect(s.cluster.created).toEqual([`w-${free.reservationId}`]);
  });

  it('reports an allocation the cluster refuses as rejected, with the reason, and deletes what it made', async () => {
    const s = setUp();
    s.cluster.refuseWith = new ClusterRefusedError('exceeded quota: gridex-gpus');
    const job = allocation();
    s.store.holds.add(job.reservationId);
    await s.lifecycle.start(tx, [{ matched: job, origin }]);
    expect(s.outbox.finished()).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        reason: 'rejected',
        detail: 'exceeded quota: gridex-gpus',
      }),
    ]);
    expect(s.cluster.deleted).toEqual([`w-${job.reservationId}`]);
    // Its logs are read once more before its pods are deleted.
    expect(s.cluster.order).toEqual([`keep logs w-${job.reservationId}`, `delete w-${job.reservationId}`]);
  });

  it("forgets a tenant's namespace that is gone, and fails the batch so it is retried", async () => {
    const s = setUp();
    s.cluster.refuseWith = new NamespaceMissingError('t-acme');
    const job = allocation();
    s.store.holds.add(job.reservationId);
    await expect(s.lifecycle.start(tx, [{ matched: job, origin }])).rejects.toBeInstanceOf(
      NamespaceMissingError,
    );
    expect(s.forgotten).toEqual([job.tenantId]);
  });

  it.each<[string, boolean, string[]]>([
    ['a launched workload is stopped and its objects deleted', true, ['w-']],
    ['a waiting workload is ended without touching the cluster', false, []],
  ])('%s', async (_name, held, deleted) => {
    const s = setUp();
    const job = allocation();
    if (held) s.store.holds.add(job.reservationId);
    await s.lifecycle.start(tx, [{ matched: job, origin }]);
    await s.lifecycle.stop(tx, { reservationId: job.reservationId }, 'credit-exhausted', origin);
    expect(s.outbox.finished().map((f) => f.reason)).toEqual(['credit-exhausted']);
    expect(s.cluster.deleted).toEqual(deleted.map((prefix) => `${prefix}${job.reservationId}`));
    expect(s.store.rows.get(job.reservationId)).toMatchObject({ state: 'stopped', cleaned_up: true });
  });

  describe('on another network', () => {
    const onPeer = () =>
      allocation({
        allocations: [0, 1].map((rank) => ({
          ...example.allocations[0],
          clusterId: 'network:peer-b',
          nodeName: `b/h100-${rank}`,
          networkId: 'peer-b',
        })),
      });

    it('places a held allocation there, once per workload, and never on the cluster', async () => {
      const s = setUp();
      const job = onPeer();
      await s.lifecycle.start(tx, [{ matched: job, origin }]);
      expect(s.store.rows.get(job.reservationId)).toMatchObject({ kind: 'network', state: 'awaiting-hold' });
      await s.lifecycle.holdsPlaced(tx, [{ reservationId: job.reservationId, origin }]);
      expect(s.cluster.created).toEqual([]);
      expect([...s.networks.placed.values()]).toEqual(['ext-1']);
      expect(s.store.rows.get(job.reservationId)).toMatchObject({
        state: 'created',
        network_id: 'peer-b',
        external_job_id: 'ext-1',
      });
    });

    it('reports a placement the network refuses as node-lost on its nodes, so the job fails over', async () => {
      const s = setUp();
      s.networks.failWith = {
        kind: 'not-placed',
        reason: 'network peer-b refused place: 402 insufficient credit',
      };
      const job = onPeer();
      s.store.holds.add(job.reservationId);
      await s.lifecycle.start(tx, [{ matched: job, origin }]);
      expect(s.outbox.finished()).toEqual([
        expect.objectContaining({
          outcome: 'failed',
          reason: 'node-lost',
          detail: expect.stringContaining('refused place'),
          failedNodes: [
            { clusterId: 'network:peer-b', nodeName: 'b/h100-0' },
            { clusterId: 'network:peer-b', nodeName: 'b/h100-1' },
          ],
        }),
      ]);
      expect(s.store.rows.get(job.reservationId)).toMatchObject({ state: 'failed', cleaned_up: true });
    });

    it('keeps a placement of unknown outcome, with what was asked, for the poller to ask again', async () => {
      const s = setUp();
      s.networks.failWith = { kind: 'unknown', reason: 'network peer-b did not answer place within 5000 ms' };
      const job = onPeer();
      s.store.holds.add(job.reservationId);
      await s.lifecycle.start(tx, [{ matched: job, origin }]);
      expect(s.outbox.finished()).toEqual([]);
      expect(s.store.rows.get(job.reservationId)).toMatchObject({
        state: 'created',
        external_job_id: null,
        network_request: expect.objectContaining({ spec: expect.objectContaining({ nodeCount: 2 }) }),
      });
    });

    it('cancels the job there when it is stopped here', async () => {
      const s = setUp();
      const job = onPeer();
      s.store.holds.add(job.reservationId);
      await s.lifecycle.start(tx, [{ matched: job, origin }]);
      await s.lifecycle.stop(tx, { jobId: job.jobId }, 'cancelled', origin);
      expect(s.networks.cancelled).toEqual(['ext-1']);
      expect(s.cluster.deleted).toEqual([]);
      expect(s.store.rows.get(job.reservationId)).toMatchObject({ state: 'stopped', cleaned_up: true });
    });
  });
});
