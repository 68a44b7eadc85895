import { z } from 'zod';
import { EventContracts } from '../events/registry';
import { EventExamples } from '../events/examples';

/**
 * Renders the JSON Schema files for every contract: file name → file content. Pure, so the contract test can
 * compare it with what is committed.
 */
export function renderJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  const index: Array<{ topic: string; type: string; version: number; schema: string; description: string }> =
    [];
  for (const contract of EventContracts) {
    const file = `${contract.logicalTopic}.schema.json`;
    const schema = {
      ...(z.toJSONSchema(contract.envelopeSchema, { unrepresentable: 'any' }) as Record<string, unknown>),
      $id: `https://schemas.gridex.io/events/${file}`,
      title: contract.logicalTopic,
      description: contract.description,
      examples: [
        {
          eventId: '019ac9b2-7d10-7e3f-9b1a-2c3d4e5f6a7b',
          type: contract.type,
          version: contract.version,
          occurredAt: '2026-11-28T10:00:00.000Z',
          correlationId: 'req-7f3a9c',
          causationId: null,
          tenantId: 'acme-ai',
          payload: EventExamples[contract.type as keyof typeof EventExamples],
        },
      ],
    };
    files[file] = `${JSON.stringify(schema, null, 2)}\n`;
    index.push({
      topic: contract.logicalTopic,
      type: contract.type,
      version: contract.version,
      schema: file,
      description: contract.description,
    });
  }
  files['index.json'] = `${JSON.stringify(index, null, 2)}\n`;
  return files;
}
