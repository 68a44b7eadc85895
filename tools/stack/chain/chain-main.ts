/**
 * The local chain's process (started detached by the stack's chain component): an EDR node on the stack's
 * chain port, funded platform and billing accounts, the token, vault and compute credits deployed from the
 * platform key (the credits owned by billing's key), and the deployment
 * written to the file the component reads. Stops on SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { privateKeyToAccount } from 'viem/accounts';
import { contractsFingerprint, deployContracts, startChainNode } from '@gridex/chain';

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main(): Promise<void> {
  const key = required('CHAIN_PLATFORM_KEY') as `0x${string}`;
  const chainId = Number(required('CHAIN_ID'));
  const platform = privateKeyToAccount(key).address;
  const billing = privateKeyToAccount(required('CHAIN_BILLING_KEY') as `0x${string}`).address;
  const { server, url } = await startChainNode({
    host: required('CHAIN_HOST'),
    port: Number(required('CHAIN_PORT')),
    chainId,
    balances: { [platform]: 10n ** 27n, [billing]: 10n ** 27n },
    blockIntervalMs: 1000,
  });
  const deployment = await deployContracts(
    url,
    chainId,
    key,
    BigInt(required('CHAIN_TREASURY_UNITS')),
    billing,
  );
  const genesis = (await (
    await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x0', false] }),
    })
  ).json()) as { result: { hash: string } };
  writeFileSync(
    required('CHAIN_DEPLOYMENT_FILE'),
    `${JSON.stringify({ ...deployment, treasuryUnits: String(deployment.treasuryUnits), url, platform, pid: process.pid, genesisHash: genesis.result.hash, contracts: contractsFingerprint() }, null, 2)}\n`,
  );
  console.log(
    `chain: ${url}, token ${deployment.token}, vault ${deployment.vault}, credits ${deployment.computeCredits}`,
  );
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
