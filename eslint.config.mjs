import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// Layers of the monorepo. A project may only depend on the layers listed for it; apps never depend on apps,
// and only tests may import the testing helpers.
const layerConstraints = [
  { sourceTag: 'layer:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:observability', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:persistence', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:kubernetes', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:chain', onlyDependOnLibsWithTags: [] },
  // The exchange's Kafka clients (publisher, admin, offsets, topic layout), below the exactly-once layer.
  { sourceTag: 'layer:kafka', onlyDependOnLibsWithTags: ['layer:contracts'] },
  // Adapters to other compute networks speak their public APIs (another Gridex through its SDK).
  { sourceTag: 'layer:networks', onlyDependOnLibsWithTags: ['layer:contracts', 'layer:client'] },
  {
    sourceTag: 'layer:messaging',
    onlyDependOnLibsWithTags: ['layer:contracts', 'layer:observability', 'layer:persistence', 'layer:kafka'],
  },
  {
    sourceTag: 'layer:runtime',
    onlyDependOnLibsWithTags: [
      'layer:contracts',
      'layer:observability',
      'layer:persistence',
      'layer:kafka',
      'layer:messaging',
    ],
  },
  {
    sourceTag: 'layer:testing',
    onlyDependOnLibsWithTags: [
      'layer:kubernetes',
      'layer:contracts',
      'layer:observability',
      'layer:persistence',
      'layer:kafka',
      'layer:messaging',
      // An exchange under test is driven through its public API, as clients drive it.
      'layer:client',
    ],
  },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib'] },
  // Benchmarks measure apps' internals and drive the stack, through their `benchmark-entry.ts` files only.
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tooling'] },
];

const BENCHMARK_ENTRIES = ['billing', 'gateway', 'matching', 'orchestrator', 'rewards'].map(
  (app) => `@gridex/${app}/benchmark`,
);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '.nx', '.stack', 'libs/contracts/schemas', 'libs/sdk/src/generated'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: layerConstraints,
        },
      ],
      // Production code never imports the test helpers (the graph rule above cannot tell a spec from a source file).
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@gridex/testing', message: 'test helpers are for tests only' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks may use the testing helpers.
    // The e2e project is tests through and through, its support files included.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'bench/**/*.ts',
      'libs/testing/**/*.ts',
      'apps/platform-e2e/**/*.ts',
    ],
    // (tools/ never imports the test helpers either: the stack must work before any test exists.)
    rules: {
      'no-restricted-imports': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // An app is never imported, except by benchmarks through its public benchmark entry point.
          allow: BENCHMARK_ENTRIES,
          depConstraints: [
            ...layerConstraints
              .filter((c) => c.sourceTag.startsWith('layer:'))
              .map((c) => ({
                ...c,
                onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'layer:testing'],
              })),
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tooling'] },
          ],
        },
      ],
    },
  },
  prettier,
];
