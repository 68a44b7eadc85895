import { Kafka, logLevel, LogEntry } from 'kafkajs';

/** Where the brokers are and who is asking: what every client of `@platformatic/kafka` is built from. */
export interface KafkaEndpoint {
  /** host:port list. */
  brokers: string[];
  /** Shown in broker logs and quotas; one per service. */
  clientId: string;
}

/** How to reach Kafka. */
export interface KafkaConnectionOptions {
  /** host:port list. */
  brokers: string[];
  /** Shown in broker logs and quotas; one per service. */
  clientId: string;
  /** Receives kafkajs's own log lines (warnings and errors only). */
  log?: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => void;
}

/** A kafkajs client whose warnings and errors go to the service's logger instead of the console. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        options.log?.(level === logLevel.ERROR ? 'error' : 'warn', message, extra);
      },
  });
}
