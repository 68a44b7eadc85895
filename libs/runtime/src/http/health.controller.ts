import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Admin } from '@platformatic/kafka';
import { createAdmin, KafkaEndpoint } from '@gridex/kafka-client';
import { KAFKA_ENDPOINT } from '../service/service-tokens';

type Check = { status: 'up' } | { status: 'down'; error: string };

/**
 * Kubernetes probes. `/healthz`: the process is alive (no dependency checked, so a database outage does not
 * restart every pod). `/readyz`: the database and Kafka answer, so the pod may receive traffic.
 */
@Controller()
export class HealthController {
  private admin?: Admin;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(KAFKA_ENDPOINT) private readonly kafka: KafkaEndpoint,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; checks: Record<string, Check> }> {
    const [database, kafka] = await Promise.all([
      this.check(async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.check(async () => {
        this.admin ??= createAdmin(this.kafka);
        // Asks a broker afresh each time (cached metadata would answer for a broker that is gone).
        const cluster = await this.admin.metadata({ topics: [], forceUpdate: true });
        if (cluster.brokers.size === 0) throw new Error('no brokers in cluster metadata');
      }),
    ]);
    const ready = database.status === 'up' && kafka.status === 'up';
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not-ready', checks: { database, kafka } };
  }

  private async check(probe: () => Promise<void>, timeoutMs = 2000): Promise<Check> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.close();
  }
}
