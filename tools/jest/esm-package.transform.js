// Jest runs CommonJS. A few dependencies ship only as ES modules, and some of them find files beside themselves
// through `import.meta.url`, which has no CommonJS spelling. This transform hands them to SWC like our own files
// (it rewrites `import` to `require`) after giving `import.meta.url` the module's own file URL. Outside Jest,
// Node 22 loads these packages as they are (require(esm)).
const { createTransformer: createSwcTransformer } = require('@swc/jest');

const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
const FILE_URL = '__gridexModuleUrl';

function withFileUrl(source) {
  if (!source.includes('import.meta.url')) return source;
  return (
    // `module.require`: such a module often declares a `require` of its own (from `createRequire`).
    `const ${FILE_URL} = module.require('node:url').pathToFileURL(__filename).href;\n` +
    source.replace(IMPORT_META_URL, FILE_URL)
  );
}

function createTransformer(options) {
  const swc = createSwcTransformer(options);
  return {
    ...swc,
    process: (source, filename, jestOptions) => swc.process(withFileUrl(source), filename, jestOptions),
    getCacheKey: (source, filename, ...rest) => swc.getCacheKey(withFileUrl(source), filename, ...rest),
  };
}

module.exports = { createTransformer };
