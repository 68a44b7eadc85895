import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The contracts Gridex deploys, and where their sources are. */
export const CONTRACT_NAMES = ['GridexToken', 'RewardsVault', 'ComputeCredits'] as const;
export const CONTRACTS_DIR = path.resolve(__dirname, '..', 'contracts');

/** Every `.sol` file of the directory, by file name, in name order. */
export function readContractSources(dir = CONTRACTS_DIR): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.sol'))
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]),
  );
}

/** What the rest of Gridex needs of a compiled contract. */
export interface CompiledContract {
  abi: unknown[];
  bytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: Array<{ severity: 'error' | 'warning'; formattedMessage: string }>;
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/**
 * Compiles Solidity sources (file name → text) with solc-js, resolving `@openzeppelin/...` imports from
 * node_modules, and returns the named contracts. Settings are fixed (optimizer on, 200 runs, cancun), so the
 * same sources always give the same bytecode.
 */
export function compileContracts(
  sources: Record<string, string>,
  names: readonly string[],
): { solcVersion: string; contracts: Record<string, CompiledContract> } {
  const solc = require('solc') as { compile(input: string, options: object): string; version(): string };
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([file, content]) => [file, { content }])),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const findImports = (importPath: string) => {
    try {
      return { contents: readFileSync(require.resolve(importPath), 'utf8') };
    } catch {
      return { error: `import ${importPath} not found (only @openzeppelin/contracts is resolved)` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contracts: Record<string, CompiledContract> = {};
  for (const name of names) {
    const file = Object.keys(output.contracts).find((f) => output.contracts[f][name]);
    if (!file) throw new Error(`contract ${name} is not in the sources`);
    const compiled = output.contracts[file][name];
    contracts[name] = { abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` };
  }
  return { solcVersion: solc.version(), contracts };
}

/** The artifacts as a TypeScript module (ABIs `as const`, so viem types every call). */
export function renderArtifacts(compiled: ReturnType<typeof compileContracts>): string {
  const lines = [
    `// Written by \`npm run chain:contracts\` from libs/chain/contracts (solc ${compiled.solcVersion}); do not edit.`,
    '// prettier-ignore',
    `export const SOLC_VERSION = ${JSON.stringify(compiled.solcVersion)};`,
  ];
  for (const [name, contract] of Object.entries(compiled.contracts)) {
    lines.push(
      '// prettier-ignore',
      `export const ${name}Abi = ${JSON.stringify(contract.abi)} as const;`,
      '// prettier-ignore',
      `export const ${name}Bytecode = ${JSON.stringify(contract.bytecode)} as const;`,
    );
  }
  return `${lines.join('\n')}\n`;
}
