import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileContracts, CONTRACT_NAMES, readContractSources, renderArtifacts } from './compile';

describe('contract artifacts', () => {
  it('are what the Solidity sources compile to (npm run chain:contracts writes them)', () => {
    const rendered = renderArtifacts(compileContracts(readContractSources(), CONTRACT_NAMES));
    expect(readFileSync(path.join(__dirname, 'artifacts.ts'), 'utf8')).toBe(rendered);
  });

  it('refuses sources that do not compile, with the compiler message', () => {
    expect(() =>
      compileContracts({ 'Broken.sol': 'pragma solidity ^0.8.24; contract Broken { x }' }, ['Broken']),
    ).toThrow(/Broken.sol/);
  });
});
