import {
  createEvent,
  CreditAdded,
  deterministicUuid,
  EventEnvelope,
  HoldPlaced,
  HoldPlacedPayload,
  IdNamespaces,
  JobMatched,
  JobMatchedPayload,
  topicForInstance,
  uuidv7,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  dropSchema,
  launchService,
  LaunchedService,
  provisionInstanceTopics,
  queryStack,
  removeInstance,
  testInstance,
  testKafka,
  TopicRecorder,
  untilReady,
  testPublisher,
  withAdmin,
} from '@gridex/testing';

/**
 * Two exchanges on one Kafka and one PostgreSQL (GRIDEX_INSTANCE): each billing reads and writes only its own
 * instance's topics, keeps its own schema and consumer group, and an event for one is never seen by the other.
 */
describe('two exchanges sharing one stack', () => {
  const id = uuidv7().replace(/-/g, '').slice(-6);
  const instances = [testInstance('a'), testInstance('b')];
  const kafka = testKafka();
  const billings: LaunchedService[] = [];
  const recorders = new Map<string, TopicRecorder>();
  let producer: MessagePublisher;

  const topicOf = (topic: string, instance: string) => topicForInstance(topic, instance);
  const recorded = <T>(topic: string) =>
    (recorders.get(topic) as TopicRecorder).values<EventEnvelope<T>>().map((e) => e.payload);

  beforeAll(async () => {
    producer = testPublisher(kafka);
    for (const instance of instances) {
      await provisionInstanceTopics(instance);
      for (const contract of [CreditAdded, HoldPlaced]) {
        const topic = topicOf(contract.topic, instance);
        recorders.set(topic, await TopicRecorder.start(kafka, topic));
      }
      // No schema or group given: the instance names them.
      const billing = await launchService('billing', {
        GRIDEX_INSTANCE: instance,
        BILLING_CHAIN_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      });
      billings.push(billing);
    }
    await Promise.all(billings.map((billing) => untilReady(billing)));
  }, 120_000);

  afterAll(async () => {
    for (const billing of billings) {
      await billing.process.kill();
      await dropSchema(billing.schema);
    }
    await Promise.all([...recorders.values()].map((recorder) => recorder.stop()));
    await producer?.close();
    for (const instance of instances) await removeInstance(instance);
  });

  it("keeps each instance's events, schema and consumer group apart", async () => {
    const [a, b] = instances;
    const [billingA, billingB] = billings;
    const tenant = `t-shared-${id}`;
    // The same tenant id tops up on A only.
    const topUp = await fetch(`${billingA.url}/v1/tenants/${tenant}/credits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `key-${uuidv7()}` },
      body: JSON.stringify({
        amount: { currency: 'USD', micros: '50000000' },
        paymentMethod: 'pm_test_visa',
      }),
    });
    expect(topUp.status).toBe(201);
    const jobId = `job-${uuidv7()}`;
    const matched: JobMatchedPayload = {
      jobId,
      tenantId: tenant,
      reservationId: deterministicUuid(IdNamespaces.reservation, jobId, 0),
      attempt: 0,
      tier: 'on-demand',
      expectedDurationSeconds: 600,
      allocations: [
        {
          nodeId: deterministicUuid(IdNamespaces.node, 'c', `n-${id}`),
          clusterId: 'c',
          nodeName: `n-${id}`,
          supplierId: `sup-${id}`,
          region: 'eu-north',
          gpuProduct: 'NVIDIA-H100-80GB-HBM3',
          gpus: 1,
          pricePerGpuHour: { currency: 'USD', micros: '2300000' },
          supplierPricePerGpuHour: { currency: 'USD', micros: '2000000' },
        },
      ],
      matchedAt: new Date().toISOString(),
      image: 'registry.gridex.io/test/serve:1',
      command: ['serve'],
    };
    const event = createEvent(JobMatched, matched, {
      correlationId: uuidv7(),
      causationId: null,
      tenantId: tenant,
    });
    await producer.send(topicOf(JobMatched.topic, a), [{ key: jobId, value: JSON.stringify(event) }]);
    await recorders
      .get(topicOf(HoldPlaced.topic, a))
      ?.waitFor<EventEnvelope<HoldPlacedPayload>>((e) => e.payload.reservationId === matched.reservationId);

    // B saw neither the top-up nor the job: its topics, its schema and its ledger have nothing of them.
    expect(
      recorded<{ tenantId: string }>(topicOf(CreditAdded.topic, b)).filter((p) => p.tenantId === tenant),
    ).toEqual([]);
    expect(recorded<HoldPlacedPayload>(topicOf(HoldPlaced.topic, b))).toEqual([]);
    expect([billingA.schema, billingB.schema]).toEqual([`${a}_billing`, `${b}_billing`]);
    expect(await queryStack(`SELECT 1 FROM "${billingB.schema}".meters`)).toEqual([]);
    expect(
      await queryStack(`SELECT 1 FROM "${billingA.schema}".meters WHERE job_id = $1`, [jobId]),
    ).toHaveLength(1);

    // Each instance's consumer group, on its own instance's topics.
    await withAdmin(async (admin) => {
      const groups = [...(await admin.listGroups()).keys()];
      expect(groups).toEqual(expect.arrayContaining([`gridex-${a}-billing`, `gridex-${b}-billing`]));
      const [offsets] = await admin.listConsumerGroupOffsets({ groups: [`gridex-${a}-billing`] });
      const topics = offsets.topics.map(({ name }) => name);
      expect(topics.length).toBeGreaterThan(0);
      expect(topics.every((topic) => topic.startsWith(`gridex-${a}.`))).toBe(true);
    });
  }, 120_000);
});
