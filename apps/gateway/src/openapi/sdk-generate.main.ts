/**
 * `npm run sdk:generate`: writes the SDK's OpenAPI document and generated types (see sdk-types.ts). With
 * `--print`, writes the types it would generate to stdout instead (the drift test runs it as a process: the
 * generator loads ES modules Jest cannot).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { SDK_DOCUMENT, SDK_TYPES, SDK_TYPES_HEADER, sdkDocument } from './sdk-types';

/** The SDK's types for a document, as openapi-typescript writes them. */
async function sdkTypes(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as never, { alphabetize: true });
  return SDK_TYPES_HEADER + astToString(ast);
}

async function main(): Promise<void> {
  const document = sdkDocument();
  if (process.argv.includes('--print')) {
    process.stdout.write(await sdkTypes(document));
    return;
  }
  writeFileSync(SDK_DOCUMENT, `${JSON.stringify(document, null, 2)}\n`);
  mkdirSync(path.dirname(SDK_TYPES), { recursive: true });
  writeFileSync(SDK_TYPES, await sdkTypes(document));
  console.log(`wrote ${SDK_DOCUMENT} and ${SDK_TYPES}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
