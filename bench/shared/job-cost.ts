import { Admin } from '@platformatic/kafka';
import { Topics } from '@gridex/contracts';
import { partitionOffsets } from '@gridex/kafka-client';
import { queryStack } from '@gridex/testing';
import { KubeRest } from '@gridex/stack/benchmark';
import { apiserverRequests, WRITE_VERBS } from './apiserver-requests';
import { cpuByComponent } from './cpu-usage';

/** Everything a stretch of work costs the machine, read at one moment: compare two to see what happened between. */
export interface CostReading {
  at: number;
  cpuMs: Map<string, number>;
  apiRequests: Map<string, number>;
  /** Messages on each of the exchange's topics so far (the sum of its partitions' end offsets). */
  topicMessages: Map<string, number>;
  /** Statements PostgreSQL ran so far, by normalised query (pg_stat_statements). */
  statements: Map<string, number>;
}

/**
 * Reads what the exchange and the stack have done so far: CPU per process group, API server requests by verb and
 * resource, messages per topic and statements per query. `services` maps each service's pid to its name, and its
 * database schema names the statements that are its own.
 */
export class CostMeter {
  constructor(
    private readonly rest: KubeRest,
    private readonly admin: Admin,
    private readonly services: ReadonlyArray<{ name: string; pid?: number; schema: string }>,
    private readonly benchPid = process.pid,
  ) {}

  /** pg_stat_statements in the stack's database (the stack preloads it; the extension is created here). */
  static async enableStatementCounts(): Promise<void> {
    await queryStack('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  }

  async read(): Promise<CostReading> {
    const named = new Map<number, string>([[this.benchPid, 'bench']]);
    for (const service of this.services) if (service.pid) named.set(service.pid, service.name);
    const [apiRequests, topicMessages, statements] = await Promise.all([
      apiserverRequests(this.rest),
      this.topicMessages(),
      this.statements(),
    ]);
    return { at: Date.now(), cpuMs: cpuByComponent(named), apiRequests, topicMessages, statements };
  }

  /**
   * What each job cost between two readings, beyond what the same span costs with no jobs (`idle`: two readings
   * around a window with nothing submitted, scaled to this window's length): CPU ms per component, API server
   * requests by verb and resource, messages by producing service and topic, and statements by the service whose
   * schema they touch (transaction control and the like by kind).
   */
  perJob(
    before: CostReading,
    after: CostReading,
    jobs: number,
    idle: { before: CostReading; after: CostReading },
  ) {
    const windowMs = after.at - before.at;
    const scale = windowMs / (idle.after.at - idle.before.at);
    const beyondIdle = (pick: (reading: CostReading) => ReadonlyMap<string, number>) => {
      const used = new Map<string, number>();
      const keys = new Set([...pick(after).keys(), ...pick(idle.after).keys()]);
      for (const key of keys) {
        const delta = (pick(after).get(key) ?? 0) - (pick(before).get(key) ?? 0);
        const background = ((pick(idle.after).get(key) ?? 0) - (pick(idle.before).get(key) ?? 0)) * scale;
        used.set(key, Math.round(((delta - background) / jobs) * 100) / 100);
      }
      return used;
    };
    const cpu = beyondIdle((reading) => reading.cpuMs);
    const serviceNames = new Set(this.services.map((service) => service.name));
    const servicesCpuMs = [...cpu]
      .filter(([name]) => serviceNames.has(name))
      .reduce((sum, [, ms]) => sum + ms, 0);
    const api = [...beyondIdle((reading) => reading.apiRequests)].filter(([key]) => !key.startsWith('WATCH'));
    // Lease renewals are the fleet's heartbeat, background by construction: what is left of them is noise.
    const writes = api
      .filter(
        ([key, count]) =>
          WRITE_VERBS.has(key.split(' ')[0]) && key !== 'PUT leases' && Math.abs(count) >= 0.05,
      )
      .reduce((sum, [, count]) => sum + count, 0);
    const messages = beyondIdle((reading) => reading.topicMessages);
    const messagesByProducer = new Map<string, number>();
    for (const [topic, count] of messages) {
      const producer = topic.split('.')[1] ?? topic;
      messagesByProducer.set(producer, (messagesByProducer.get(producer) ?? 0) + count);
    }
    const statementsByService = new Map<string, number>();
    for (const [query, count] of beyondIdle((reading) => reading.statements)) {
      const owner =
        this.services.find((service) => query.includes(service.schema))?.name ?? statementKind(query);
      statementsByService.set(owner, (statementsByService.get(owner) ?? 0) + count);
    }
    const total = (values: Map<string, number>) =>
      Math.round([...values.values()].reduce((sum, n) => sum + n, 0) * 100) / 100;
    return {
      jobs,
      windowSeconds: Math.round(windowMs / 100) / 10,
      idleWindowSeconds: Math.round((idle.after.at - idle.before.at) / 100) / 10,
      cpuMs: { servicesTotal: Math.round(servicesCpuMs * 100) / 100, byComponent: significant(cpu, 0.05) },
      apiserver: {
        writes: Math.round(writes * 100) / 100,
        byVerbAndResource: significant(new Map(api), 0.05),
      },
      kafkaMessages: {
        total: total(messages),
        byProducer: significant(messagesByProducer, 0.05),
        byTopic: significant(messages, 0.05),
      },
      postgresStatements: {
        total: total(statementsByService),
        byService: significant(statementsByService, 0.05),
      },
    };
  }

  private async topicMessages(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    await Promise.all(
      Object.values(Topics).map(async (topic) => {
        const partitions = await partitionOffsets(this.admin, topic);
        totals.set(
          topic,
          partitions.reduce((sum, partition) => sum + Number(partition.high), 0),
        );
      }),
    );
    return totals;
  }

  private async statements(): Promise<Map<string, number>> {
    const rows = await queryStack<{ query: string; calls: string }>(
      `SELECT s.query, s.calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = current_database()`,
    );
    return new Map(rows.map((row) => [row.query, Number(row.calls)]));
  }
}

/** What a statement that names no service's schema is, for the table: its first keyword. */
function statementKind(query: string): string {
  const keyword = query.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  if (['BEGIN', 'COMMIT', 'ROLLBACK', 'START', 'SAVEPOINT', 'RELEASE'].includes(keyword)) {
    return 'transaction control';
  }
  return `other ${keyword}`;
}

/** The entries whose size is at least `threshold`, largest first (what is left is noise around the idle level). */
function significant(values: ReadonlyMap<string, number>, threshold: number): Record<string, number> {
  return Object.fromEntries(
    [...values]
      .filter(([, n]) => Math.abs(n) >= threshold)
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => [key, Math.round(n * 100) / 100]),
  );
}
