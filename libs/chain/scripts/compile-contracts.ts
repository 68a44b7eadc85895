/**
 * Compiles libs/chain/contracts with the `solc` npm package (the compiler as wasm: nothing is downloaded) and
 * writes libs/chain/src/artifacts.ts: each contract's ABI and bytecode, and the compiler version.
 *
 *   npm run chain:contracts            write the artifacts
 *   npm run chain:contracts -- --check fail if they are not what the sources compile to
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compileContracts, CONTRACT_NAMES, readContractSources, renderArtifacts } from '../src/compile';

const rendered = renderArtifacts(compileContracts(readContractSources(), CONTRACT_NAMES));
const target = path.resolve(__dirname, '..', 'src', 'artifacts.ts');
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== rendered) {
    console.error(`${target} is stale: run npm run chain:contracts`);
    process.exit(1);
  }
  console.log('contract artifacts are up to date');
} else {
  writeFileSync(target, rendered);
  console.log(`wrote ${target}`);
}
