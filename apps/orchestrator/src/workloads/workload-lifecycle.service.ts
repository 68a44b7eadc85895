import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  deterministicUuid,
  EventOrigin,
  IdNamespaces,
  imageRefusal,
  JobMatchedPayload,
  SupplierFaultObserved,
  WorkloadFailureReasonSchema,
  WorkloadFinished,
  WorkloadScheduled,
  WorkloadStarted,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { mapWithConcurrency, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import {
  holdRequired,
  LAUNCHED_STATES,
  launchDecision,
  observationSteps,
  StopReason,
  WorkloadState,
} from '../domain/workload-lifecycle';
import {
  ClusterApi,
  ClusterRefusedError,
  NamespaceMissingError,
  WorkloadLogKeeper,
  WorkloadRef,
} from './cluster-api.port';
import { WorkloadObjects, workloadObjects } from './workload-manifests';
import { workloadIdOf } from './workload-names';
import { WorkloadStatus } from './workload-status';
import { WorkloadRow, WorkloadStore } from './workload.store';
import { TenantNamespaces } from './tenant-namespaces.service';
import { externalJobRequest, NetworkPlacements } from '../networks/network-placements.service';

type FailureReason = z.infer<typeof WorkloadFailureReasonSchema>;

/** A matched allocation to run, and the event it came with. */
export interface Allocation {
  matched: JobMatchedPayload;
  origin: EventOrigin;
}

/** Workloads of one batch whose objects are created at the same time (each is one to a few API calls). */
const LAUNCH_CONCURRENCY = 16;

/** A workload to launch now, with the objects it is made of (on another network: the allocation it places). */
interface Launch {
  workload: WorkloadRow;
  objects: WorkloadObjects;
  matched: JobMatchedPayload;
  origin: EventOrigin;
}

/**
 * The orchestrator's workloads: it records them for allocations, launches them once billing holds their cost,
 * reports their lifecycle, stops them on command, and cleans up after them. Every report is a state change of
 * the workload's row made in the same transaction as its outbox event, guarded by the state it changes from:
 * each lifecycle event is sent once, however often Kubernetes repeats itself or the orchestrator restarts. The
 * decisions are the pure rules of `domain/workload-lifecycle.ts`; the cluster is reached through `ClusterApi`.
 * A workload on another compute network has the same life: launching places it there (`NetworkPlacements`),
 * stopping cancels it there, and its network's answers stand for its pods.
 */
@Injectable()
export class WorkloadLifecycle {
  private readonly transitions;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(WorkloadStore) private readonly store: WorkloadStore,
    @Inject(ClusterApi) private readonly cluster: ClusterApi,
    @Inject(TenantNamespaces) private readonly namespaces: TenantNamespaces,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(NetworkPlacements) private readonly networks: NetworkPlacements,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
    @Inject(WorkloadLogKeeper) private readonly logs: WorkloadLogKeeper,
  ) {
    this.transitions = metrics.counter(
      'workload_transitions_total',
      'Workload lifecycle changes reported, by state and reason',
      ['state', 'reason'],
    );
  }

  /**
   * Allocations matched to this cluster, or to a network this orchestrator routes to: records each workload,
   * then launches those billing has already cleared (the others wait for their hold). The database work stays
   * on the caller's transaction.
   */
  async start(tx: EntityManager, allocations: ReadonlyArray<Allocation>): Promise<void> {
    const ours = allocations.filter(
      ({ matched }) =>
        matched.allocations[0].clusterId === this.config.CLUSTER_ID ||
        this.networks.networkOf(matched) !== undefined,
    );
    await this.store.lockReservations(
      tx,
      ours.map(({ matched }) => matched.reservationId),
    );
    const launches: Launch[] = [];
    for (const { matched, origin } of ours) {
      const recorded = await this.record(tx, matched, origin);
      if (recorded?.workload.state === 'created') launches.push({ ...recorded, matched, origin });
    }
    await this.launch(tx, launches);
  }

  /** Billing held these reservations' cost: a workload waiting for its hold launches; a later one will not wait. */
  async holdsPlaced(
    tx: EntityManager,
    holds: ReadonlyArray<{ reservationId: string; origin: EventOrigin }>,
    now = new Date(),
  ): Promise<string[]> {
    await this.store.lockReservations(
      tx,
      holds.map((hold) => hold.reservationId),
    );
    const launches: Launch[] = [];
    for (const { reservationId, origin } of holds) {
      if (!(await this.store.rememberHold(tx, reservationId, now))) continue; // a redelivery
      const awaiting = await this.store.lockAwaitingHold(tx, reservationId);
      if (!awaiting?.matched) continue; // its allocation has not arrived yet, or went to another cluster
      await this.transitionTo(tx, awaiting, 'created', {});
      launches.push({
        workload: { ...awaiting, state: 'created' },
        objects: workloadObjects(awaiting.matched, awaiting.workload_id),
        matched: awaiting.matched,
        origin,
      });
    }
    await this.launch(tx, launches);
    return launches.map(({ workload }) => workload.workload_id);
  }

  /**
   * Records a new workload and decides its fate (`launchDecision`): refused when a stop came first or its image is
   * not allowed (reported failed at once), waiting for its hold, or to be launched now (`created`). Undefined for
   * a redelivery (the first delivery recorded it).
   */
  private async record(
    tx: EntityManager,
    matched: JobMatchedPayload,
    origin: EventOrigin,
  ): Promise<{ workload: WorkloadRow; objects: WorkloadObjects } | undefined> {
    const workloadId = workloadIdOf(matched);
    const objects = workloadObjects(matched, workloadId);
    const networkId = this.networks.networkOf(matched);
    const decision = launchDecision({
      ...(await this.store.commandsFor(tx, matched.jobId, matched.reservationId)),
      imageRefusal: imageRefusal(matched.image, this.config.ALLOWED_REGISTRIES),
      holdRequired: holdRequired(matched.allocations),
    });
    const workload = await this.store.insert(
      tx,
      {
        workloadId,
        matched,
        correlationId: origin.correlationId,
        namespace: objects.namespace,
        name: objects.name,
        kind: networkId ? 'network' : objects.job ? 'job' : 'gang',
        networkId,
      },
      decision.kind === 'await-hold' ? 'awaiting-hold' : 'created',
    );
    if (!workload) return undefined;
    const now = new Date();
    switch (decision.kind) {
      case 'refuse':
        return {
          workload: await this.finish(
            tx,
            workload,
            { outcome: 'failed', reason: decision.reason, finishedAt: now },
            origin,
          ),
          objects,
        };
      case 'reject':
        return {
          workload: await this.finish(
            tx,
            workload,
            { outcome: 'failed', reason: 'rejected', detail: decision.detail, finishedAt: now },
            origin,
          ),
          objects,
        };
      default:
        return { workload, objects };
    }
  }

  /**
   * Creates the objects of the workloads side by side (every create is idempotent by name), then records the ones
   * the cluster refused. Only the cluster calls overlap, since each waits on the API server far longer than on
   * anything here.
   */
  private async launch(tx: EntityManager, all: ReadonlyArray<Launch>): Promise<void> {
    await this.placeOnNetworks(
      tx,
      all.filter(({ workload }) => workload.kind === 'network'),
    );
    const launches = all.filter(({ workload }) => workload.kind !== 'network');
    for (const tenantId of new Set(launches.map(({ workload }) => workload.tenant_id))) {
      await this.namespaces.ensure(tenantId);
    }
    const refusals = await mapWithConcurrency(launches, LAUNCH_CONCURRENCY, async ({ workload, objects }) => {
      try {
        await this.cluster.createWorkload(objects);
        return undefined;
      } catch (error) {
        if (error instanceof ClusterRefusedError) return error.detail;
        // Forgotten here, the namespace is made again when the failed batch is retried, instead of every start
        // failing for good.
        if (error instanceof NamespaceMissingError) await this.namespaces.forget(workload.tenant_id);
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
   * Places workloads on their networks side by side, each under its workload id as idempotency key, and records
   * what was asked. A placement the network refused (or that was not even asked, its breaker open) is reported
   * failed as `node-lost` on its nodes, so matching fails the job over within its retry budget. One whose outcome
   * is unknown (no answer in time) stays `created` without a job id: the poller asks again with the same key.
   */
  private async placeOnNetworks(tx: EntityManager, launches: ReadonlyArray<Launch>): Promise<void> {
    const requests = launches.map(({ matched }) => externalJobRequest(matched));
    const outcomes = await mapWithConcurrency(launches, LAUNCH_CONCURRENCY, ({ workload }, index) =>
      this.networks.place(workload.network_id as string, requests[index], workload.workload_id),
    );
    for (const [index, outcome] of outcomes.entries()) {
      const { workload, origin } = launches[index];
      const now = new Date();
      await this.store.recordNetworkRequest(tx, workload.workload_id, requests[index], now);
      if (outcome.kind === 'placed') {
        await this.store.recordPlacement(tx, workload.workload_id, outcome.job.externalJobId);
      } else if (outcome.kind === 'not-placed') {
        await this.finish(
          tx,
          workload,
          {
            outcome: 'failed',
            reason: 'node-lost',
            detail: `not placed on network ${workload.network_id}: ${outcome.reason}`,
            finishedAt: now,
            failedNodes: workload.allocations.map((a) => a.nodeName),
          },
          origin,
        );
        await this.store.markCleanedUp(tx, workload.workload_id);
      }
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
    reason: StopReason,
    origin: EventOrigin,
    now = new Date(),
  ): Promise<void> {
    const live = await this.store.lockLive(tx, target);
    if ('jobId' in target && reason === 'cancelled')
      await this.store.rememberCancellation(tx, target.jobId, now);
    else if ('reservationId' in target) await this.store.rememberStop(tx, target.reservationId, reason, now);
    for (const workload of live) {
      const launched = workload.state !== 'awaiting-hold';
      await this.finish(tx, workload, { outcome: 'failed', reason, finishedAt: now, stopped: true }, origin);
      if (launched) await this.cleanUp(workload, this.config.STOP_GRACE_SECONDS, tx);
      else await this.store.markCleanedUp(tx, workload.workload_id); // nothing was ever created
    }
  }

  /**
   * Reports what the pods say, if it is news (`observationSteps`): scheduled, running, then succeeded or
   * failed. Returns the row as it is afterwards (terminal rows are for the caller to clean up).
   */
  async observe(
    workloadId: string,
    statusFor: (podCount: number) => WorkloadStatus,
    pods: Array<{ name: string; nodeName: string }>,
  ): Promise<WorkloadRow | undefined> {
    return this.store.transaction(async (tx) => {
      const workload = await this.store.lock(tx, workloadId);
      if (!workload || !(LAUNCHED_STATES as readonly string[]).includes(workload.state)) return workload;
      const origin = {
        correlationId: workload.correlation_id,
        causationId: null,
        tenantId: workload.tenant_id,
      };
      const now = new Date();
      const status = statusFor(workload.pod_count);
      const steps = observationSteps(workload.state as (typeof LAUNCHED_STATES)[number], status, pods.length);
      for (const step of steps) {
        switch (step.kind) {
          case 'scheduled':
            await this.transitionTo(tx, workload, 'scheduled', { scheduled_at: now });
            await this.outbox.emit(
              tx,
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
            );
            workload.state = 'scheduled';
            break;
          case 'started':
            await this.transitionTo(tx, workload, 'running', { started_at: step.startedAt });
            await this.outbox.emit(
              tx,
              WorkloadStarted,
              {
                jobId: workload.job_id,
                reservationId: workload.reservation_id,
                workloadId: workload.workload_id,
                startedAt: step.startedAt.toISOString(),
              },
              origin,
              now,
            );
            workload.state = 'running';
            workload.started_at = step.startedAt;
            break;
          case 'finished':
            return this.finish(
              tx,
              workload,
              {
                outcome: step.outcome,
                reason: status.reason,
                detail: status.detail,
                startedAt: status.startedAt,
                finishedAt: status.finishedAt ?? now,
                failedNodes: status.failedNodes,
              },
              origin,
            );
        }
      }
      return workload;
    });
  }

  /** Launched workloads on this cluster, for reconciliation at start. */
  launched(): Promise<WorkloadRow[]> {
    return this.store.launched();
  }

  /** Launched workloads on other networks, followed by polling. */
  launchedOnNetworks(): Promise<WorkloadRow[]> {
    return this.store.launchedOnNetworks();
  }

  /** Which of these workloads are launched and not finished (pods of any other labelled ours are deleted). */
  launchedAmong(workloadIds: string[]): Promise<Set<string>> {
    return this.store.launchedAmong(workloadIds);
  }

  /** Finished workloads whose objects may still exist, on this cluster or on other networks. */
  uncleaned(where: 'cluster' | 'networks' = 'cluster'): Promise<WorkloadRow[]> {
    return this.store.uncleaned(where);
  }

  /**
   * Deletes a workload's objects (on another network: cancels its job there) and records that they are gone. A
   * network that cannot be told now leaves the workload to be cleaned up on a later pass.
   */
  async cleanUp(
    workload: WorkloadRef | WorkloadRow,
    graceSeconds: number,
    tx?: EntityManager,
  ): Promise<void> {
    if (workload.kind === 'network') {
      if (!(await this.networks.cancel(workload as WorkloadRow))) return;
    } else {
      // What its pods printed last, before they go (a failure to read leaves what was kept before).
      if ('allocations' in workload) await this.logs.keepFinal(workload).catch(() => undefined);
      await this.cluster.deleteWorkload(workload as WorkloadRef, graceSeconds);
    }
    // Inside the caller's transaction when it holds the row (a second connection would wait on its lock).
    if (tx) await this.store.markCleanedUp(tx, workload.workload_id);
    else await this.store.transaction((own) => this.store.markCleanedUp(own, workload.workload_id));
  }

  private async transitionTo(
    tx: EntityManager,
    workload: WorkloadRow,
    state: WorkloadState,
    stamps: Record<string, Date>,
    reason?: string,
  ): Promise<void> {
    await this.store.transition(tx, workload.workload_id, state, stamps, reason);
    this.transitions.inc({ state, reason: reason ?? '' });
  }

  /**
   * Records the end and emits workload.finished, once (the caller holds the row lock on a live workload). A
   * workload that lost nodes of this cluster charges each node's supplier a fault (`supplier-fault-observed`:
   * inventory's reliability and rewards' slashing read it), once per node and reservation.
   */
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
    if (end.outcome === 'failed' && end.reason === 'node-lost' && workload.kind !== 'network') {
      for (const nodeName of end.failedNodes ?? []) {
        await this.outbox.emit(
          tx,
          SupplierFaultObserved,
          {
            faultId: deterministicUuid(
              IdNamespaces.supplierFault,
              this.config.CLUSTER_ID,
              nodeName,
              workload.reservation_id,
            ),
            clusterId: this.config.CLUSTER_ID,
            nodeName,
            kind: 'node-lost',
            jobId: workload.job_id,
            detail: (end.detail ?? `node ${nodeName} was lost while the job ran`).slice(0, 1000),
            observedAt: end.finishedAt.toISOString(),
          },
          origin,
          end.finishedAt,
        );
      }
    }
    await this.transitionTo(tx, workload, state, { finished_at: end.finishedAt }, end.reason);
    await this.outbox.emit(
      tx,
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
          // A network's nodes are named under its own cluster id; a pod's node is in this cluster.
          clusterId:
            workload.allocations.find((a) => a.nodeName === nodeName)?.clusterId ?? this.config.CLUSTER_ID,
          nodeName,
        })),
      },
      { ...origin, tenantId: workload.tenant_id },
      end.finishedAt,
    );
    return { ...workload, state, finished_at: end.finishedAt };
  }
}
