import { readFileSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, Plugin } from 'vite';

const root = path.resolve(import.meta.dirname, '..', '..');
const SCHEMA_MODULE = 'virtual:job-spec-schema';

/**
 * `virtual:job-spec-schema`: the request schema of `POST /v1/jobs` from the SDK's OpenAPI document, and nothing
 * else of it (the whole document is half a megabyte), so the submit form checks what the API checks.
 */
function jobSpecSchema(): Plugin {
  return {
    name: 'gridex-job-spec-schema',
    resolveId: (id) => (id === SCHEMA_MODULE ? `\0${SCHEMA_MODULE}` : undefined),
    load(id) {
      if (id !== `\0${SCHEMA_MODULE}`) return undefined;
      const document = path.join(root, 'libs/sdk/openapi.json');
      this.addWatchFile(document);
      const schema = JSON.parse(readFileSync(document, 'utf8')).paths['/v1/jobs'].post.requestBody.content[
        'application/json'
      ].schema;
      return `export default ${JSON.stringify(schema)};`;
    },
  };
}

/**
 * The web console: built into dist/apps/console, which the gateway serves under /console (same origin as the
 * API, so the key goes nowhere else). The SDK is compiled in from its sources.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react(), jobSpecSchema()],
  resolve: {
    alias: { '@gridex/sdk': path.join(root, 'libs/sdk/src/index.ts') },
  },
  build: {
    outDir: path.join(root, 'dist/apps/console'),
    emptyOutDir: true,
    reportCompressedSize: true,
  },
});
