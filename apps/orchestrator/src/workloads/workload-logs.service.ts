import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CoreV1Api } from '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { LIVE_STATES } from '../domain/workload-lifecycle';
import { LogLine, linesAfter, parseStampedLog, sinceSecondsFor, startStamp } from '../domain/log-lines';
import { KubeCalls } from '../kubernetes/kube-calls';
import { WorkloadLogKeeper } from './cluster-api.port';
import type { FollowedPod } from './live-logs.service';
import { WorkloadRow, WorkloadStore } from './workload.store';

/** The container every workload pod runs its job in (see workload-manifests). */
const CONTAINER = 'main';
/** Pods read at once by a collection pass: the API server proxies each read to a kubelet. */
const PARALLEL_READS = 8;

export interface StoredLogLine {
  seq: string;
  at: string;
  rank: number;
  node: string;
  line: string;
}

/**
 * Workloads' container logs, kept in the orchestrator's database past their pods. While a workload runs, its
 * pods' logs are read every `LOG_POLL_SECONDS` (through the API server's pod log endpoint, with timestamps, from
 * just before the newest line stored); when it ends, once more before its pods are deleted. Each pod keeps its
 * last `LOG_MAX_BYTES_PER_POD` bytes; lines kept longer than `LOG_RETENTION_HOURS` are deleted by each pass. A pod that is
 * already gone (its node lost) keeps what was read before.
 */
@Injectable()
export class WorkloadLogs extends WorkloadLogKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkloadLogs.name);
  private readonly table: string;
  private timers: NodeJS.Timeout[] = [];
  private collecting = false;
  private readonly recentRunningPods = new Map<string, { at: number; pods: Promise<FollowedPod[]> }>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(KubeCalls) private readonly kube: KubeCalls,
    @Inject(WorkloadStore) private readonly workloads: WorkloadStore,
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
  ) {
    super();
    this.table = qualified(config.DATABASE_SCHEMA, 'workload_log_lines');
  }

  onApplicationBootstrap(): void {
    const every = (this.config.LOG_POLL_SECONDS || 60) * 1000;
    this.timers.push(setInterval(() => void this.pass(), every));
    for (const timer of this.timers) timer.unref();
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /**
   * One pass: reads the logs of every running workload of this cluster (unless only final reads are wanted),
   * then deletes what is past the retention (an indexed delete of the oldest lines). One pass at a time.
   */
  private async pass(): Promise<void> {
    if (this.collecting) return;
    this.collecting = true;
    try {
      if (this.config.LOG_POLL_SECONDS > 0) await this.collectRunning();
      await this.deleteExpired();
    } catch (error) {
      this.logger.warn(`keeping container logs failed: ${(error as Error).message}`);
    } finally {
      this.collecting = false;
    }
  }

  /** Reads the logs of every running workload of this cluster. */
  async collectRunning(): Promise<void> {
    const running = (await this.workloads.launched()).filter((w) => w.state === 'running');
    for (let at = 0; at < running.length; at += PARALLEL_READS) {
      await Promise.all(running.slice(at, at + PARALLEL_READS).map((workload) => this.collect(workload)));
    }
  }

  keepFinal(workload: WorkloadRow): Promise<void> {
    return this.collect(workload);
  }

  /** Reads what each of the workload's pods printed since the last read into the store. */
  async collect(workload: WorkloadRow): Promise<void> {
    if (workload.kind === 'network' || workload.started_at === null) return;
    await Promise.all(
      workload.allocations.map((allocation, rank) => this.collectPod(workload, rank, allocation.nodeName)),
    );
  }

  private async collectPod(workload: WorkloadRow, rank: number, node: string): Promise<void> {
    const [{ last }]: Array<{ last: string | null }> = await this.dataSource.query(
      `SELECT max(logged_at) AS last FROM ${this.table} WHERE workload_id = $1 AND rank = $2`,
      [workload.workload_id, rank],
    );
    // From the newest line stored (or the workload's start): sinceSeconds is whole seconds, so a read overlaps
    // the last one by up to a second and the overlap is dropped by timestamp.
    const from = last === null ? new Date(workload.started_at as Date) : new Date(Date.parse(last));
    let text: string;
    try {
      text = await this.kube.run('read pod log', () =>
        this.core.readNamespacedPodLog({
          name: `${workload.name}-${rank}`,
          namespace: workload.namespace,
          container: CONTAINER,
          timestamps: true,
          sinceSeconds: sinceSecondsFor(from, new Date()),
          limitBytes: this.config.LOG_MAX_BYTES_PER_POD,
        }),
      );
    } catch {
      // Gone with its node, not started yet, or its kubelet unreachable: what was read before stays.
      return;
    }
    // Nothing before the workload's start (its second, as the live stream asks for it): a kubelet has nothing
    // earlier anyway, and the simulated fleet's shared log does.
    const lines = linesAfter(parseStampedLog(text), last ?? startStamp(workload.started_at as Date));
    if (lines.length > 0) await this.append(workload, rank, node, lines);
  }

  private async append(workload: WorkloadRow, rank: number, node: string, lines: LogLine[]): Promise<void> {
    const values: unknown[] = [workload.workload_id, workload.job_id, workload.tenant_id, rank, node];
    const rows = lines.map((line) => {
      values.push(line.at, line.text);
      return `($1, $2, $3, $4, $5, $${values.length - 1}, $${values.length})`;
    });
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.table} (workload_id, job_id, tenant_id, rank, node_name, logged_at, line)
         VALUES ${rows.join(', ')}`,
        values,
      );
      // The pod keeps its last LOG_MAX_BYTES_PER_POD bytes.
      await tx.query(
        `DELETE FROM ${this.table} WHERE seq IN (
           SELECT seq FROM (
             SELECT seq, sum(octet_length(line) + 1) OVER (ORDER BY seq DESC) AS newer_bytes
             FROM ${this.table} WHERE workload_id = $1 AND rank = $2
           ) sized WHERE newer_bytes > $3)`,
        [workload.workload_id, rank, this.config.LOG_MAX_BYTES_PER_POD],
      );
    });
  }

  /** The pods of a job's workloads that run now (for its tenant), to follow live. */
  /**
   * The same answer for every follower of a job for a moment: each live stream checks twice a second whether its
   * job still runs, and a hundred followers should cost one query, not a hundred.
   */
  runningPodsShared(jobId: string, tenantId: string): Promise<FollowedPod[]> {
    const key = `${tenantId}\u0000${jobId}`;
    const cached = this.recentRunningPods.get(key);
    if (cached && Date.now() - cached.at < 400) return cached.pods;
    const pods = this.runningPods(jobId, tenantId);
    this.recentRunningPods.set(key, { at: Date.now(), pods });
    // Forgotten after their moment, so the map holds only jobs being followed now.
    setTimeout(() => {
      if (this.recentRunningPods.get(key)?.pods === pods) this.recentRunningPods.delete(key);
    }, 1000).unref();
    return pods;
  }

  async runningPods(jobId: string, tenantId: string): Promise<FollowedPod[]> {
    const rows: WorkloadRow[] = await this.dataSource.query(
      `SELECT * FROM ${qualified(this.config.DATABASE_SCHEMA, 'workloads')}
       WHERE job_id = $1 AND tenant_id = $2 AND state = 'running' AND kind <> 'network'`,
      [jobId, tenantId],
    );
    return rows.flatMap((row) =>
      row.allocations.map((allocation, rank) => ({
        namespace: row.namespace,
        pod: `${row.name}-${rank}`,
        node: allocation.nodeName,
        startedAt: new Date(row.started_at ?? Date.now()),
      })),
    );
  }

  /** Deletes the lines stored longer ago than the retention; returns how many. */
  async deleteExpired(): Promise<number> {
    const deleted: unknown[] = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM ${this.table} WHERE stored_at < now() - make_interval(hours => $1) RETURNING 1
       ) SELECT 1 FROM gone`,
      [this.config.LOG_RETENTION_HOURS],
    );
    return deleted.length;
  }

  /**
   * A job's stored lines in order, for its tenant only: after `afterSeq`, from `since`, of one `rank`, the
   * last `tail` of them; and whether any of its workloads may still print more.
   */
  async read(query: {
    jobId: string;
    tenantId: string;
    afterSeq?: string;
    since?: Date;
    node?: string;
    tail?: number;
  }): Promise<{ items: StoredLogLine[]; running: boolean }> {
    const where = ['job_id = $1', 'tenant_id = $2'];
    const values: unknown[] = [query.jobId, query.tenantId];
    if (query.afterSeq !== undefined) where.push(`seq > $${values.push(query.afterSeq)}`);
    if (query.since) where.push(`logged_at >= $${values.push(sinceStamp(query.since))}`);
    if (query.node !== undefined) where.push(`node_name = $${values.push(query.node)}`);
    const limit = Math.min(query.tail ?? 10_000, 10_000);
    // The newest `limit` lines when a tail is asked for, else the oldest ones (a reader pages with afterSeq).
    const rows: Array<{ seq: string; logged_at: string; rank: number; node_name: string; line: string }> =
      await this.dataSource.query(
        `SELECT seq::text, logged_at, rank, node_name, line FROM ${this.table} WHERE ${where.join(' AND ')}
         ORDER BY seq ${query.tail === undefined ? 'ASC' : 'DESC'} LIMIT ${limit}`,
        values,
      );
    if (query.tail !== undefined) rows.reverse();
    const [{ running }]: Array<{ running: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM ${qualified(this.config.DATABASE_SCHEMA, 'workloads')}
         WHERE job_id = $1 AND tenant_id = $2 AND state = ANY($3)) AS running`,
      [query.jobId, query.tenantId, [...LIVE_STATES]],
    );
    return {
      items: rows.map((row) => ({
        seq: row.seq,
        at: row.logged_at,
        rank: row.rank,
        node: row.node_name,
        line: row.line,
      })),
      running,
    };
  }
}

/** A time as a stored stamp (nine fractional digits), for comparisons. */
function sinceStamp(time: Date): string {
  return `${time.toISOString().slice(0, 23)}000000Z`;
}
