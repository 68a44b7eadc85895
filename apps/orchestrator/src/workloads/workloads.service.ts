import { Inject, Injectable } from '@nestjs/common';
import { BatchV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { DataSource, EntityManager } from 'typeorm';
import {
  createEvent,
  EventOrigin,
  JobMatchedPayload,
  WorkloadFailureReasonSchema,
  WorkloadFinished,
  WorkloadScheduled,
  WorkloadStarted,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { mapWithConcurrency, SERVICE_CONFIG } from '@gridex/runtime';
import { z } from 'zod';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { alreadyExists, apiStatus } from '../kubernetes/kubernetes-client';
import { KubeCalls } from '../kubernetes/kube-calls';
import { imageRefusal } from './image-policy';
import { jobPod, tenantObjects, WorkloadObjects, workloadObjects } from './workload-manifests';
import { tenantNamespace, WorkloadLabels, workloadIdOf } from './workload-names';
import { WorkloadStatus } from './workload-status';

type FailureReason = z.infer<typeof WorkloadFailureReasonSchema>;

/** A row of the workloads table. */
export interface WorkloadRow {
  workload_id: string;
  reservation_id: string;
  job_id: string;
  tenant_id: string;
  correlation_id: string;
  namespace: string;
  name: string;
  kind: 'job' | 'gang';
  pod_count: number;
  allocations: Array<{ clusterId: string; nodeName: string }>;
  state: 'created' | 'scheduled' | 'running' | 'succeeded' | 'failed' | 'stopped';
  started_at: Date | null;
  finished_at: Date | null;
  cleaned_up: boolean;
}

export const ACTIVE_STATES = ['created', 'scheduled', 'running'] as const;

/** A matched allocation to run, and the event it came with. */
export interface Allocation {
  matched: JobMatchedPayload;
  origin: EventOrigin;
}

/** Workloads of one batch whose objects are created at the same time (each is one to a few API calls). */
const LAUNCH_CONCURRENCY = 16;

/**
 * The orchestrator's workloads: it creates them for allocations, reports their lifecycle, stops them on command,
 * and cleans up after them. Every report is a state change of the workload's row made in the same transaction
 * as its outbox event, guarded by the state it changes from: each lifecycle event is sent once, however often
 * Kubernetes repeats itself or the orchestrator restarts.
 */
@Injectable()
export class WorkloadsService {
  private readonly workloads: string;
  private readonly cancelledJobs: string;
  private readonly stoppedReservations: string;
  private readonly tenantNamespaces: string;
  /** Tenants whose namespace this process has ensured (the table remembers across restarts). */
  private readonly ensuredTenants = new Set<string>();
  private readonly transitions;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(KubeCalls) private readonly kube: KubeCalls,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(BatchV1Api) private readonly batch: BatchV1Api,
    @Inject(NetworkingV1Api) private readonly networking: NetworkingV1Api,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.workloads = table('workloads');
    this.cancelledJobs = table('cancelled_jobs');
    this.stoppedReservations = table('stopped_reservations');
    this.tenantNamespaces = table('tenant_namespaces');
    this.transitions = metrics.counter(
      'workload_transitions_total',
      'Workload lifecycle changes reported, by state and reason',
      ['state', 'reason'],
    );
  }

  /**
   * Runs allocations: records each workload, then creates the objects of all of them side by side (every
   * create is idempotent by name), then records the ones the API server refused. The database work stays on
   * the caller's transaction, one statement at a time; only the Kubernetes calls overlap, since each waits
   * on the API server far longer than on anything here.
   */
  async start(tx: EntityManager, allocations: ReadonlyArray<Allocation>): Promise<void> {
    const launches: Array<{ workload: WorkloadRow; objects: WorkloadObjects; origin: EventOrigin }> = [];
    for (const { matched, origin } of allocations) {
      const launch = await this.record(tx, matched, origin);
      if (launch) launches.push({ ...launch, origin });
    }
    const refusals = await mapWithConcurrency(launches, LAUNCH_CONCURRENCY, async ({ workload, objects }) => {
      try {
        await this.createObjects(objects);
        return undefined;
      } catch (error) {
        // The API server refused the objects themselves (quota, admission): the workload cannot run as asked.
        if (apiStatus(error) === 403 || apiStatus(error) === 422) {
          return String((error as { body?: unknown }).body ?? error).slice(0, 900);
        }
        // A create answered "not found": the tenant's namespace is gone (deleted by hand, say). Forgotten
        // here, it is made again when the failed batch is retried, instead of every start failing for good.
        if (apiStatus(error) === 404) await this.forgetTenant(workload.tenant_id);
        throw error;
      }
    });
    for (const [index, detail] of refusals.entries()) {
      if (detail === undefined) continue;
      const { workload, origin } = launches[index];
      await this.finish(
        tx,
        workload,
        { outcome: 'failed', reason: 'rejected', detail, finishedAt: new Date() },
        origin,
      );
      await this.cleanUp(workload, 0, tx);
    }
  }

  /**
   * Records a new workload; returns its objects to create, or nothing when there is nothing to run: a
   * redelivery (the first delivery made it), an allocation stopped before it arrived, a refused image.
   */
  private async record(
    tx: EntityManager,
    matched: JobMatchedPayload,
    origin: EventOrigin,
  ): Promise<{ workload: WorkloadRow; objects: WorkloadObjects } | undefined> {
    if (matched.allocations[0].clusterId !== this.config.CLUSTER_ID) return undefined; // another cluster's
    const workloadId = workloadIdOf(matched);
    const objects = workloadObjects(matched, workloadId);
    const inserted: WorkloadRow[] = await tx.query(
      `WITH inserted AS (
         INSERT INTO ${this.workloads} (workload_id, reservation_id, job_id, tenant_id, correlation_id, namespace,
           name, kind, pod_count, allocations, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'created')
         ON CONFLICT (reservation_id) DO NOTHING RETURNING *)
       SELECT * FROM inserted`,
      [
        workloadId,
        matched.reservationId,
        matched.jobId,
        matched.tenantId,
        origin.correlationId,
        objects.namespace,
        objects.name,
        objects.job ? 'job' : 'gang',
        matched.allocations.length,
        JSON.stringify(matched.allocations.map((a) => ({ clusterId: a.clusterId, nodeName: a.nodeName }))),
      ],
    );
    const workload = inserted[0];
    if (!workload) return undefined;
    const now = new Date();
    const [stopped]: Array<{ reason: 'cancelled' | 'preempted' | 'credit-exhausted' }> = await tx.query(
      `SELECT 'cancelled' AS reason FROM ${this.cancelledJobs} WHERE job_id = $1
       UNION ALL SELECT reason FROM ${this.stoppedReservations} WHERE reservation_id = $2`,
      [matched.jobId, matched.reservationId],
    );
    if (stopped) {
      await this.finish(tx, workload, { outcome: 'failed', reason: stopped.reason, finishedAt: now }, origin);
      return undefined;
    }
    const refusal = imageRefusal(matched.image, this.config.ALLOWED_REGISTRIES);
    if (refusal) {
      await this.finish(
        tx,
        workload,
        { outcome: 'failed', reason: 'rejected', detail: refusal, finishedAt: now },
        origin,
      );
      return undefined;
    }
    await this.ensureTenant(matched.tenantId);
    return { workload, objects };
  }

  /**
   * Creates a workload's objects. A single-node Job is managed by the orchestrator (`spec.managedBy`), so its
   * pod is created here, bound to its node and owned by the Job; a Job that already exists (a retry after a
   * crash) is read back for the uid its pod must name.
   */
  private async createObjects(objects: WorkloadObjects): Promise<void> {
    const { namespace, name } = objects;
    if (objects.job) {
      const body = objects.job;
      const job = await this.kube
        .run('create job', () => this.batch.createNamespacedJob({ namespace, body }))
        .catch((error: unknown) => {
          if (!alreadyExists(error)) throw error;
          return this.kube.run('read job', () => this.batch.readNamespacedJob({ name, namespace }));
        });
      const pod = jobPod(job);
      await this.kube.create('create job pod', () => this.core.createNamespacedPod({ namespace, body: pod }));
      return;
    }
    const { service, gangPolicy } = objects;
    if (gangPolicy) {
      await this.kube.create('create gang policy', () =>
        this.networking.createNamespacedNetworkPolicy({ namespace, body: gangPolicy }),
      );
    }
    if (service) {
      await this.kube.create('create gang service', () =>
        this.core.createNamespacedService({ namespace, body: service }),
      );
    }
    for (const pod of objects.pods ?? []) {
      await this.kube.create('create gang pod', () =>
        this.core.createNamespacedPod({ namespace, body: pod }),
      );
    }
  }

  /**
   * Stops workloads on command (cancel, preemption, credit exhaustion): reports them finished now with the
   * reason, then deletes their objects with the grace period. Every command is remembered (cancellations by
   * job, the others by reservation), so an allocation that arrives after its stop is refused at once.
   */
  async stop(
    tx: EntityManager,
    target: { jobId: string } | { reservationId: string },
    reason: 'cancelled' | 'preempted' | 'credit-exhausted',
    origin: EventOrigin,
    now = new Date(),
  ): Promise<void> {
    const [column, value] =
      'jobId' in target ? ['job_id', target.jobId] : ['reservation_id', target.reservationId];
    const active: WorkloadRow[] = await tx.query(
      `SELECT * FROM ${this.workloads} WHERE ${column} = $1 AND state IN ('created', 'scheduled', 'running') FOR UPDATE`,
      [value],
    );
    if ('jobId' in target && reason === 'cancelled') {
      await tx.query(
        `INSERT INTO ${this.cancelledJobs} (job_id, cancelled_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [target.jobId, now],
      );
    } else if ('reservationId' in target) {
      await tx.query(
        `INSERT INTO ${this.stoppedReservations} (reservation_id, reason, stopped_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [target.reservationId, reason, now],
      );
    }
    for (const workload of active) {
      await this.finish(tx, workload, { outcome: 'failed', reason, finishedAt: now, stopped: true }, origin);
      await this.cleanUp(workload, this.config.STOP_GRACE_SECONDS, tx);
    }
  }

  /**
   * Reports what the pods say, if it is news: scheduled, running, then succeeded or failed. Returns the row as
   * it is afterwards (terminal rows are for the caller to clean up).
   */
  async observe(
    workloadId: string,
    statusFor: (podCount: number) => WorkloadStatus,
    pods: Array<{ name: string; nodeName: string }>,
  ): Promise<WorkloadRow | undefined> {
    return this.dataSource.transaction(async (tx) => {
      const [workload]: WorkloadRow[] = await tx.query(
        `SELECT * FROM ${this.workloads} WHERE workload_id = $1 FOR UPDATE`,
        [workloadId],
      );
      if (!workload || !(ACTIVE_STATES as readonly string[]).includes(workload.state)) return workload;
      const origin = {
        correlationId: workload.correlation_id,
        causationId: null,
        tenantId: workload.tenant_id,
      };
      const now = new Date();
      const status = statusFor(workload.pod_count);
      if (status.phase === 'pending') return workload;
      // Scheduled names the pods' nodes; a workload whose pods vanished before it was seen scheduled only fails.
      if (workload.state === 'created' && pods.length > 0) {
        await this.transition(tx, workload, 'scheduled', { scheduled_at: now });
        await this.outbox.append(tx, [
          {
            contract: WorkloadScheduled,
            event: createEvent(
              WorkloadScheduled,
              {
                jobId: workload.job_id,
                reservationId: workload.reservation_id,
                workloadId: workload.workload_id,
                namespace: workload.namespace,
                pods,
                scheduledAt: now.toISOString(),
              },
              origin,
              now,
            ),
          },
        ]);
        workload.state = 'scheduled';
      }
      if (status.startedAt && workload.state === 'scheduled') {
        await this.transition(tx, workload, 'running', { started_at: status.startedAt });
        await this.outbox.append(tx, [
          {
            contract: WorkloadStarted,
            event: createEvent(
              WorkloadStarted,
              {
                jobId: workload.job_id,
                reservationId: workload.reservation_id,
                workloadId: workload.workload_id,
                startedAt: status.startedAt.toISOString(),
              },
              origin,
              now,
            ),
          },
        ]);
        workload.state = 'running';
        workload.started_at = status.startedAt;
      }
      if (status.phase === 'succeeded' || status.phase === 'failed') {
        return this.finish(
          tx,
          workload,
          {
            outcome: status.phase,
            reason: status.reason,
            detail: status.detail,
            startedAt: status.startedAt,
            finishedAt: status.finishedAt ?? now,
            failedNodes: status.failedNodes,
          },
          origin,
        );
      }
      return workload;
    });
  }

  /** Active workloads, for reconciliation at start. */
  async active(): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads} WHERE state IN ('created', 'scheduled', 'running')`,
    );
  }

  /** Finished workloads whose objects may still exist. */
  async uncleaned(): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads} WHERE state NOT IN ('created', 'scheduled', 'running') AND NOT cleaned_up`,
    );
  }

  /** Which of these workloads are still active (pods of any other workload labelled ours are to be deleted). */
  async activeAmong(workloadIds: string[]): Promise<Set<string>> {
    const rows: Array<{ workload_id: string }> = await this.dataSource.query(
      `SELECT workload_id FROM ${this.workloads} WHERE workload_id = ANY($1::uuid[]) AND state IN ('created', 'scheduled', 'running')`,
      [workloadIds],
    );
    return new Set(rows.map((row) => row.workload_id));
  }

  /** Deletes a workload's objects (pods go with their Job; a gang's pods, Service and policy one by one). */
  async cleanUp(
    workload: Pick<WorkloadRow, 'workload_id' | 'namespace' | 'name' | 'kind'>,
    graceSeconds: number,
    tx: EntityManager | DataSource = this.dataSource,
  ): Promise<void> {
    const { namespace, name } = workload;
    if (workload.kind === 'job') {
      await this.kube.delete('delete job', () =>
        this.batch.deleteNamespacedJob({
          name,
          namespace,
          propagationPolicy: 'Background',
          gracePeriodSeconds: graceSeconds,
        }),
      );
    }
    await this.kube.delete('delete pods', () =>
      this.core.deleteCollectionNamespacedPod({
        namespace,
        labelSelector: `${WorkloadLabels.workloadId}=${workload.workload_id}`,
        gracePeriodSeconds: graceSeconds,
      }),
    );
    if (workload.kind === 'gang') {
      await this.kube.delete('delete gang service', () =>
        this.core.deleteNamespacedService({ name, namespace }),
      );
      await this.kube.delete('delete gang policy', () =>
        this.networking.deleteNamespacedNetworkPolicy({ name, namespace }),
      );
    }
    // Inside the caller's transaction when it holds the row (a second connection would wait on its lock).
    await tx.query(`UPDATE ${this.workloads} SET cleaned_up = true WHERE workload_id = $1`, [
      workload.workload_id,
    ]);
  }

  /** Creates the tenant's namespace and guard rails once (each create tolerates "already exists"). */
  private async ensureTenant(tenantId: string): Promise<void> {
    if (this.ensuredTenants.has(tenantId)) return;
    const [known] = await this.dataSource.query(
      `SELECT 1 FROM ${this.tenantNamespaces} WHERE tenant_id = $1`,
      [tenantId],
    );
    if (!known) {
      const objects = tenantObjects(tenantId, {
        gpuQuota: this.config.TENANT_GPU_QUOTA,
        egressCidrs: this.config.TENANT_EGRESS_CIDRS,
        defaultCpu: this.config.TENANT_DEFAULT_CPU,
        defaultMemory: this.config.TENANT_DEFAULT_MEMORY,
      });
      const namespace = tenantNamespace(tenantId);
      await this.kube.create('create namespace', () =>
        this.core.createNamespace({ body: objects.namespace }),
      );
      await this.kube.create('create quota', () =>
        this.core.createNamespacedResourceQuota({ namespace, body: objects.quota }),
      );
      await this.kube.create('create limits', () =>
        this.core.createNamespacedLimitRange({ namespace, body: objects.limits }),
      );
      await this.kube.create('create default-deny policy', () =>
        this.networking.createNamespacedNetworkPolicy({ namespace, body: objects.defaultDeny }),
      );
      await this.dataSource.query(
        `INSERT INTO ${this.tenantNamespaces} (tenant_id, namespace, ensured_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId, namespace],
      );
    }
    this.ensuredTenants.add(tenantId);
  }

  /** Forgets that the tenant's namespace was ensured, so the next start ensures it again. */
  private async forgetTenant(tenantId: string): Promise<void> {
    this.ensuredTenants.delete(tenantId);
    // On its own connection: the caller's transaction is about to fail and roll back.
    await this.dataSource.query(`DELETE FROM ${this.tenantNamespaces} WHERE tenant_id = $1`, [tenantId]);
  }

  private async transition(
    tx: EntityManager,
    workload: WorkloadRow,
    state: WorkloadRow['state'],
    stamps: Record<string, Date>,
    reason?: string,
  ): Promise<void> {
    const columns = Object.keys(stamps);
    await tx.query(
      `UPDATE ${this.workloads} SET state = $2, reason = $3${columns.map((c, i) => `, ${c} = $${i + 4}`).join('')}
       WHERE workload_id = $1`,
      [workload.workload_id, state, reason ?? null, ...columns.map((c) => stamps[c])],
    );
    this.transitions.inc({ state, reason: reason ?? '' });
  }

  /** Records the end and emits workload.finished, once (the caller holds the row lock on an active workload). */
  private async finish(
    tx: EntityManager,
    workload: WorkloadRow,
    end: {
      outcome: 'succeeded' | 'failed';
      reason?: FailureReason;
      detail?: string;
      startedAt?: Date;
      finishedAt: Date;
      failedNodes?: string[];
      stopped?: boolean;
    },
    origin: EventOrigin,
  ): Promise<WorkloadRow> {
    const state = end.stopped ? 'stopped' : end.outcome;
    const startedAt = end.startedAt ?? workload.started_at ?? undefined;
    await this.transition(tx, workload, state, { finished_at: end.finishedAt }, end.reason);
    await this.outbox.append(tx, [
      {
        contract: WorkloadFinished,
        event: createEvent(
          WorkloadFinished,
          {
            jobId: workload.job_id,
            reservationId: workload.reservation_id,
            workloadId: workload.workload_id,
            outcome: end.outcome,
            reason: end.outcome === 'failed' ? (end.reason ?? 'error') : undefined,
            detail: end.detail?.slice(0, 1000),
            startedAt: startedAt ? new Date(startedAt).toISOString() : undefined,
            finishedAt: end.finishedAt.toISOString(),
            failedNodes: end.failedNodes?.map((nodeName) => ({
              clusterId: this.config.CLUSTER_ID,
              nodeName,
            })),
          },
          { ...origin, tenantId: workload.tenant_id },
          end.finishedAt,
        ),
      },
    ]);
    return { ...workload, state, finished_at: end.finishedAt };
  }
}
