/**
 * Writes one JSON Schema (draft 2020-12) per event contract into libs/contracts/schemas/<topic>.schema.json,
 * plus an index. The files are committed so finance and other consumers can validate events without our code;
 * a unit test fails when they are stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderJsonSchemas } from '../src/json-schema/render-json-schemas';

const outputDir = path.resolve(__dirname, '..', 'schemas');
mkdirSync(outputDir, { recursive: true });
for (const stale of readdirSync(outputDir).filter((file) => file.endsWith('.json'))) {
  rmSync(path.join(outputDir, stale));
}
const files = renderJsonSchemas();
for (const [file, content] of Object.entries(files)) {
  writeFileSync(path.join(outputDir, file), content);
}
console.log(`wrote ${Object.keys(files).length} files to ${path.relative(process.cwd(), outputDir)}`);
