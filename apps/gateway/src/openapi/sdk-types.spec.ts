import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { committedSdk, sdkDocument } from './sdk-types';

/**
 * The SDK is typed from the OpenAPI document: when a route, a schema or a status changes and
 * `npm run sdk:generate` was not run, the committed document and types no longer match what the code generates,
 * and this fails (naming the command that fixes it).
 */
describe('the SDK generated from the OpenAPI document', () => {
  const committed = committedSdk();
  const document = sdkDocument();

  it('has the document the gateway generates (run `npm run sdk:generate` after an API change)', () => {
    expect(committed.document).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('has the types openapi-typescript generates from it (run `npm run sdk:generate` after an API change)', () => {
    const generated = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'sdk-generate.main.ts'), '--print'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(generated.stderr).toBe('');
    expect(committed.types).toBe(generated.stdout);
  });

  it('types every operation of the document', () => {
    const ids = Object.values(
      document.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    for (const id of ids) expect(committed.types).toContain(`    ${id}: {`);
  });
});
