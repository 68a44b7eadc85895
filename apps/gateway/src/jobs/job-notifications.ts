import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

/**
 * Tells this process when a job's read model changed, whichever gateway replica consumed the event: the status
 * handlers `pg_notify` the job id in the transaction that writes the change (delivered on commit), and one
 * connection per process LISTENs and fans out to the job's live streams. The channel carries the schema, so two
 * exchanges on one database never hear each other.
 */
@Injectable()
export class JobNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobNotifications.name);
  private readonly listeners = new Map<string, Set<() => void>>();
  private client?: Client;
  private closed = false;
  readonly channel: string;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {
    this.channel = jobChannel(config.DATABASE_SCHEMA);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `listener` after each committed change of the job, until the returned function is called. */
  subscribe(jobId: string, listener: () => void): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.config.DATABASE_URL });
    client.on('notification', (message) => {
      for (const listener of this.listeners.get(message.payload ?? '') ?? []) listener();
    });
    client.on('error', (error) => {
      this.logger.warn(`job notifications connection failed (${error.message}); reconnecting`);
      void client.end().catch(() => undefined);
      this.reconnectLater();
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.client = client;
  }

  /** Streams re-read their job on a timer too, so a change during the gap arrives late, never lost. */
  private reconnectLater(): void {
    if (this.closed) return;
    setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.logger.warn(`job notifications: ${error.message}; retrying`);
        this.reconnectLater();
      });
    }, 1000).unref();
  }
}

/** The NOTIFY channel of a gateway schema's job changes (a Postgres identifier: at most 63 bytes). */
export function jobChannel(schema: string): string {
  return `${schema}_job_changes`.slice(0, 63);
}
