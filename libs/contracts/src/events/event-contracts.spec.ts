import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createEvent, decodeEvent, EventContract, parseEvent } from '../envelope/event-envelope';
import { renderJsonSchemas } from '../json-schema/render-json-schemas';
import { Topics } from '../topics';
import { EventExamples } from './examples';
import { EventContracts } from './registry';

const origin = { correlationId: 'req-1', causationId: null, tenantId: 'acme-ai' };
const exampleOf = (contract: EventContract<unknown>) =>
  EventExamples[contract.type as keyof typeof EventExamples];
const withPayload = (contract: EventContract<unknown>, patch: Record<string, unknown>) => ({
  ...createEvent(contract, exampleOf(contract), origin),
  payload: { ...(exampleOf(contract) as object), ...patch },
});

describe('event contracts', () => {
  it('has one topic-map entry per contract, named gridex.<domain>.<event>.v<N>', () => {
    expect(EventContracts.map((c) => c.topic).sort()).toEqual(Object.values(Topics).sort());
    for (const contract of EventContracts) {
      expect(contract.topic).toMatch(/^gridex\.[a-z]+\.[a-z-]+\.v\d+$/);
      expect(contract.topic).toBe(`gridex.${contract.type}.v${contract.version}`);
    }
  });

  it.each(EventContracts.map((contract) => [contract.topic, contract] as const))(
    '%s: its example validates and round-trips through JSON',
    (_topic, contract) => {
      const event = createEvent(contract, exampleOf(contract), origin);
      const decoded = decodeEvent(contract, Buffer.from(JSON.stringify(event)));
      expect(decoded).toEqual({ ok: true, event });
      expect(contract.partitionKey(event.payload)).toEqual(expect.any(String));
    },
  );

  const envelopeDefects: Array<[string, (event: Record<string, unknown>) => unknown, RegExp]> = [
    ['eventId not a UUIDv7', (e) => ({ ...e, eventId: '6f1c9a52-5b7e-4a0e-9a53-0a6f6d0c2a11' }), /eventId/],
    ['wrong type', (e) => ({ ...e, type: 'other.thing' }), /type/],
    ['wrong version', (e) => ({ ...e, version: 2 }), /version/],
    ['occurredAt not a timestamp', (e) => ({ ...e, occurredAt: 'yesterday' }), /occurredAt/],
    ['no correlationId', ({ correlationId: _omit, ...e }) => e, /correlationId/],
    ['unknown envelope field', (e) => ({ ...e, extra: true }), /extra/],
    ['payload missing', ({ payload: _omit, ...e }) => e, /payload/],
  ];
  it.each(envelopeDefects)('rejects an envelope with %s', (_name, mutate, reason) => {
    for (const contract of EventContracts) {
      const good = createEvent(contract, exampleOf(contract), origin) as unknown as Record<string, unknown>;
      const result = parseEvent(contract, mutate(good));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(reason);
    }
  });

  const payloadDefects: Array<[string, EventContract<unknown>, Record<string, unknown>, RegExp]> = [
    [
      'money as a float',
      contractFor('gateway.job-submitted'),
      { maxPricePerGpuHour: { currency: 'USD', micros: '2.5' } },
      /micro-units/,
    ],
    [
      'money as a number',
      contractFor('gateway.offer-declared'),
      { pricePerGpuHour: { currency: 'USD', micros: 2500000 } },
      /pricePerGpuHour/,
    ],
    [
      'lower-case currency',
      contractFor('gateway.offer-declared'),
      { pricePerGpuHour: { currency: 'usd', micros: '1' } },
      /ISO 4217/,
    ],
    ['zero GPUs per node', contractFor('gateway.job-submitted'), { gpusPerNode: 0 }, /gpusPerNode/],
    [
      'no GPU product nor memory',
      contractFor('gateway.job-submitted'),
      { gpuProducts: undefined },
      /either gpuProducts or minGpuMemoryMiB/,
    ],
    ['unknown tier', contractFor('gateway.job-submitted'), { tier: 'spot' }, /tier/],
    [
      'unknown interconnect',
      contractFor('orchestrator.node-observed'),
      { interconnect: 'ethernet' },
      /interconnect/,
    ],
    [
      'negative GPU capacity',
      contractFor('orchestrator.node-observed'),
      { capacity: { gpus: -1, cpuMillis: 1, memoryMiB: 1 } },
      /gpus/,
    ],
    [
      'reliability above 100 %',
      contractFor('inventory.capacity-changed'),
      { reliabilityBasisPoints: 10001 },
      /reliabilityBasisPoints/,
    ],
    ['empty gang allocation', contractFor('matching.job-matched'), { allocations: [] }, /allocations/],
    [
      'failure without reason',
      contractFor('orchestrator.workload-finished'),
      { reason: undefined },
      /reason is required/,
    ],
    [
      'success with a reason',
      contractFor('orchestrator.workload-finished'),
      { outcome: 'succeeded' },
      /reason is required/,
    ],
    [
      'settlement that does not add up',
      contractFor('billing.usage-settled'),
      { platformRevenueMicros: '1' },
      /must equal/,
    ],
    ['unknown payload field', contractFor('gateway.supplier-registered'), { iban: 'SE00' }, /iban/],
  ];
  it.each(payloadDefects)('rejects a payload with %s', (_name, contract, patch, reason) => {
    const result = parseEvent(contract, withPayload(contract, patch));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it.each([
    ['not JSON', Buffer.from('{"eventId":'), /not valid JSON/],
    ['a tombstone', null, /tombstone/],
    ['a JSON array', Buffer.from('[]'), /expected object/],
  ])('decodeEvent turns %s into a reason instead of throwing', (_name, raw, reason) => {
    const result = decodeEvent(contractFor('gateway.job-submitted'), raw);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('refuses to create an invalid event, so none leaves a service', () => {
    const contract = contractFor('gateway.job-submitted');
    expect(() => createEvent(contract, { ...(exampleOf(contract) as object), nodeCount: 0 }, origin)).toThrow(
      /nodeCount/,
    );
  });

  it('has committed JSON Schemas identical to what the contracts generate (npm run contracts:schemas)', () => {
    const schemaDir = path.resolve(__dirname, '../../schemas');
    for (const [file, content] of Object.entries(renderJsonSchemas())) {
      expect({ file, content: readFileSync(path.join(schemaDir, file), 'utf8') }).toEqual({ file, content });
    }
  });
});

function contractFor(type: string): EventContract<unknown> {
  const contract = EventContracts.find((c) => c.type === type);
  if (!contract) throw new Error(`no contract ${type}`);
  return contract;
}
