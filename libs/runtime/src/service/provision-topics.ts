import { GRIDEX_INSTANCE } from '@gridex/contracts';
import { createAdmin, ensureTopicLayout } from '@gridex/kafka-client';

/**
 * `<service> --provision-topics`: creates the exchange's whole topic layout (every contract topic with its
 * partitions and compaction, and each dead-letter twin; `GRIDEX_INSTANCE`'s names) on `KAFKA_BROKERS`, if missing,
 * and exits. The Helm chart runs it in its pre-install/pre-upgrade hook before any service starts (services do
 * not create topics); the local stack provisions the same layout itself. Needs no database and starts no Nest
 * application: only the brokers are read.
 */
export async function provisionTopics(service: string): Promise<number> {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  const line = (level: string, msg: string) =>
    process.stderr.write(`${JSON.stringify({ level, service, time: new Date().toISOString(), msg })}\n`);
  if (brokers.length === 0 || !brokers.every((broker) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker))) {
    line('fatal', 'KAFKA_BROKERS must be host:port[,host:port…] to provision topics');
    return 1;
  }
  const admin = createAdmin({ clientId: `${service}-provision-topics`, brokers });
  try {
    const created = await ensureTopicLayout(admin, GRIDEX_INSTANCE);
    line('info', `topic layout provisioned: ${created.length} topic(s) created`);
    return 0;
  } catch (error) {
    line('fatal', `provisioning topics failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
