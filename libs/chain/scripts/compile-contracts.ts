/**
 * Compiles libs/chain/contracts with the `solc` npm package (the compiler as wasm: nothing is downloaded) and
 * writes libs/chain/src/artifacts.ts: each contract's ABI and bytecode, and the compiler version.
 *
 *   npm run chain:contracts            write the artifacts
 *   npm run chain:contracts -- --check fail if they are not what the sources compile to
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compileContracts, renderArtifacts } from '../src/compile';

const root = path.resolve(__dirname, '..');
const contractsDir = path.join(root, 'contracts');
const sources = Object.fromEntries(
  readdirSync(contractsDir)
    .filter((file) => file.endsWith('.sol'))
    .sort()
    .map((file) => [file, readFileSync(path.join(contractsDir, file), 'utf8')]),
);
const rendered = renderArtifacts(compileContracts(sources, ['GridexToken', 'RewardsVault']));
const target = path.join(root, 'src', 'artifacts.ts');
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
