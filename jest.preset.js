// Shared Jest settings for every project. SWC strips types (fast on two cores) while keeping the decorator
// metadata Nest needs; type errors are caught by `npm run build` (tsc), which `npm test` runs first.
const path = require('node:path');

const workspaceRoot = __dirname;

/** @param {string} projectDir absolute path of the project (its jest.config.js's __dirname) */
function jestProject(projectDir) {
  return {
    displayName: path.relative(workspaceRoot, projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2022',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
        },
      ],
      '^.+\\.m?js$': [
        `${workspaceRoot}/tools/jest/esm-package.transform.js`,
        { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
      ],
    },
    // @kubernetes/client-node, @platformatic/kafka and a few of their dependencies are ESM-only; Jest runs
    // CommonJS, so they are rewritten like our own files (tools/jest/esm-package.transform.js says how).
    transformIgnorePatterns: [
      '/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648|socks-proxy-agent|agent-base|@platformatic)/)',
    ],
    moduleNameMapper: {
      '^@gridex/([a-z-]+)$': `${workspaceRoot}/libs/$1/src/index.ts`,
      // The browser helpers load playwright-core: only the tests that drive a browser import them.
      '^@gridex/testing/browser$': `${workspaceRoot}/libs/testing/src/browser.ts`,
    },
    // `npm run test:unit` sets GRIDEX_TESTS=unit: pure tests only (`*.spec.ts`), which need no stack.
    testMatch:
      process.env.GRIDEX_TESTS === 'unit'
        ? ['<rootDir>/**/*.spec.ts']
        : ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts', '<rootDir>/**/*.e2e-spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    // Integration tests wait on Kafka group joins and real processes; unit tests finish long before this.
    // (Also set in the root jest.config.js, which is what counts when all projects run together.)
    testTimeout: 60_000,
  };
}

module.exports = { jestProject };
