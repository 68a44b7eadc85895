import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contractsFingerprint } from '@gridex/chain';
import { isPortOpen, ManagedProcess, run, waitFor } from '../process-control';
import { LOOPBACK, StackPaths, StackPorts } from '../stack-paths';
import { ComponentStatus, StackComponent } from './component';

/** The EDR version of package.json, and the native build for this machine that goes with it. */
const EDR_VERSION = '0.22.0';
const EDR_NATIVE = '@nomicfoundation/edr-linux-x64-gnu';
const CHAIN_ID = 31337;
/** GDX minted to the platform at deployment (6 decimals): the local treasury that funds test wallets. */
const TREASURY_UNITS = 1_000_000_000n * 1_000_000n;

interface DeploymentFile {
  url: string;
  chainId: number;
  token: string;
  vault: string;
  computeCredits: string;
  platform: string;
  pid: number;
  genesisHash: string;
  /** The contracts' fingerprint at deployment (see `contractsFingerprint`). */
  contracts?: string;
}

/**
 * A local EVM chain for the token flows: the EDR engine (npm `@nomicfoundation/edr`) behind a JSON-RPC port, the
 * Gridex token, rewards vault and compute credits deployed at start from the platform key (made once per
 * machine, beside the chain's state; billing's key, made the same way, owns the compute credits). The chain lives in memory: `stack:down` and `up` give a new chain and a fresh
 * deployment (the same addresses: the deployer's nonces restart). EDR's native binary ships as an optional npm
 * package that npm skips on Node 20 (it declares Node ≥ 22); until the project moves to Node 22 the component
 * fetches that package from the npm registry into the cache and points the chain process at it (NODE_PATH).
 */
export class ChainComponent implements StackComponent {
  readonly name = 'chain';
  private readonly dir = path.join(StackPaths.stateDir, 'chain');
  private readonly deploymentFile = path.join(this.dir, 'deployment.json');
  private readonly nativeDir = path.join(StackPaths.cacheDir, `edr-${EDR_VERSION}`, 'node_modules');
  private readonly process = new ManagedProcess(
    'chain',
    path.join(this.dir, 'chain.pid'),
    path.join(this.dir, 'chain.log'),
  );

  url(): string {
    return `http://${LOOPBACK}:${StackPorts.chain}`;
  }

  env(): Record<string, string> {
    const deployment = this.deployment();
    if (!deployment) return {};
    return {
      REWARDS_CHAIN_ENABLED: 'true',
      REWARDS_CHAIN_RPC_URL: deployment.url,
      REWARDS_CHAIN_ID: String(deployment.chainId),
      REWARDS_TOKEN_ADDRESS: deployment.token,
      REWARDS_VAULT_ADDRESS: deployment.vault,
      REWARDS_CHAIN_PLATFORM_KEY: this.platformKey(),
      BILLING_CHAIN_ENABLED: 'true',
      BILLING_CHAIN_RPC_URL: deployment.url,
      BILLING_CHAIN_ID: String(deployment.chainId),
      BILLING_COMPUTE_CREDITS_ADDRESS: deployment.computeCredits,
      BILLING_CHAIN_KEY: this.billingKey(),
    };
  }

  async up(): Promise<void> {
    const running = this.deployment();
    if (this.process.isRunning() && running && (await isPortOpen(LOOPBACK, StackPorts.chain))) {
      if (running.contracts === contractsFingerprint()) {
        console.log(`chain: already running on ${this.url()}`);
        return;
      }
      // The chain lives in memory and its contracts are older than this checkout's: a fresh chain deploys them.
      console.log('chain: its contracts or node settings changed since it started; restarting it afresh');
      await this.process.stop(10_000);
    }
    if (await isPortOpen(LOOPBACK, StackPorts.chain)) {
      throw new Error(`chain: port ${StackPorts.chain} is taken by a process this stack did not start`);
    }
    this.fetchNativeEngine();
    mkdirSync(this.dir, { recursive: true });
    rmSync(this.deploymentFile, { force: true });
    const root = path.resolve(__dirname, '..', '..', '..');
    this.process.start(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, '..', 'chain', 'chain-main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_PATH: this.nativeDir,
          CHAIN_HOST: LOOPBACK,
          CHAIN_PORT: String(StackPorts.chain),
          CHAIN_ID: String(CHAIN_ID),
          CHAIN_PLATFORM_KEY: this.platformKey(),
          CHAIN_BILLING_KEY: this.billingKey(),
          CHAIN_TREASURY_UNITS: TREASURY_UNITS.toString(),
          CHAIN_DEPLOYMENT_FILE: this.deploymentFile,
        },
      },
    );
    await waitFor('the chain to deploy its contracts', async () => this.deployment() !== undefined, {
      timeoutMs: 60_000,
      logFile: this.process.logFile,
    });
    const deployment = this.deployment() as DeploymentFile;
    console.log(
      `chain: started EDR ${EDR_VERSION} on ${this.url()} (token ${deployment.token}, vault ${deployment.vault})`,
    );
  }

  async down(): Promise<void> {
    await this.process.stop(10_000);
    rmSync(this.deploymentFile, { force: true });
  }

  async status(): Promise<ComponentStatus> {
    const deployment = this.deployment();
    const running =
      this.process.isRunning() && deployment !== undefined && (await isPortOpen(LOOPBACK, StackPorts.chain));
    return {
      name: this.name,
      running,
      address: this.url(),
      version: `EDR ${EDR_VERSION}, chain ${CHAIN_ID}`,
      ...(running
        ? { detail: `vault ${deployment?.vault}` }
        : { detail: existsSync(this.process.logFile) ? `log: ${this.process.logFile}` : 'not started' }),
    };
  }

  /** The deployment of the running chain process (undefined while it starts, or if it is not this one's). */
  private deployment(): DeploymentFile | undefined {
    if (!existsSync(this.deploymentFile)) return undefined;
    const deployment = JSON.parse(readFileSync(this.deploymentFile, 'utf8')) as DeploymentFile;
    return deployment.pid === this.process.pid() ? deployment : undefined;
  }

  private platformKey(): string {
    return this.key('platform-key');
  }

  /** Billing's own key (it owns the compute credits contract): two signers never race for one nonce. */
  private billingKey(): string {
    return this.key('billing-key');
  }

  private key(name: string): string {
    // Beside the chain, not in the checkout: one chain serves every checkout, and its owner key must be theirs too.
    const file = path.join(this.dir, name);
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(file, `0x${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    }
    return readFileSync(file, 'utf8').trim();
  }

  /** EDR's native engine from the npm registry into the cache, once (skipped where npm installed it). */
  private fetchNativeEngine(): void {
    try {
      require.resolve(EDR_NATIVE);
      return;
    } catch {
      // not installed with the project's dependencies: use the cached copy
    }
    const target = path.join(this.nativeDir, ...EDR_NATIVE.split('/'));
    if (existsSync(path.join(target, 'package.json'))) return;
    console.log(`chain: fetching ${EDR_NATIVE}@${EDR_VERSION} from the npm registry ...`);
    const downloads = path.join(StackPaths.cacheDir, `edr-${EDR_VERSION}`);
    mkdirSync(target, { recursive: true });
    const tarball = run('npm', [
      'pack',
      `${EDR_NATIVE}@${EDR_VERSION}`,
      '--silent',
      '--pack-destination',
      downloads,
    ])
      .trim()
      .split('\n')
      .slice(-1)[0];
    run('tar', ['-xzf', path.join(downloads, tarball), '-C', target, '--strip-components=1']);
    rmSync(path.join(downloads, tarball));
  }
}
