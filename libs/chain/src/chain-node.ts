import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A local EVM chain's settings: its id and the accounts it starts with (address → wei). */
export interface ChainNodeOptions {
  host: string;
  port: number;
  chainId: number;
  balances: Record<`0x${string}`, bigint>;
  /** Besides a block per transaction, an empty block this often, so confirmations accrue while nothing happens. */
  blockIntervalMs?: number;
}

type EdrModule = typeof import('@nomicfoundation/edr');

/** How the local node is configured; part of the deployment's fingerprint, so a change restarts the chain. */
export const CHAIN_NODE_SETTINGS = { allowBlocksWithSameTimestamp: true } as const;

/**
 * A local Ethereum chain: the EDR engine (the Rust EVM behind Hardhat's node, an npm package with a native
 * binary) behind a plain JSON-RPC endpoint, mining a block per transaction (and, if asked, an empty block every
 * `blockIntervalMs`). State lives in memory: a restart is a
 * new chain (a new genesis hash), which readers of the chain must notice.
 */
export async function startChainNode(options: ChainNodeOptions): Promise<{ server: Server; url: string }> {
  const edr = require('@nomicfoundation/edr') as EdrModule;
  const context = new edr.EdrContext();
  await context.registerProviderFactory(edr.L1_CHAIN_TYPE, edr.l1ProviderFactory());
  const hardfork = edr.l1HardforkLatest();
  const provider = await context.createProvider(
    edr.L1_CHAIN_TYPE,
    {
      // Blocks of one second share its timestamp, as on a real chain: a burst of transactions must not push the
      // chain's clock ahead of the wall clock (contracts compare block time with expiries set from it).
      allowBlocksWithSameTimestamp: CHAIN_NODE_SETTINGS.allowBlocksWithSameTimestamp,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: true, // a reverting eth_call answers an error, as a real node does
      bailOnTransactionFailure: false,
      chainId: BigInt(options.chainId),
      coinbase: Buffer.alloc(20, 0xc0),
      defaultTransactionGasLimit: 16_777_216n, // the per-transaction cap of the latest hardfork (EIP-7825)
      genesisState: [
        ...edr.l1GenesisState(hardfork),
        ...Object.entries(options.balances).map(([address, balance]) => ({
          address: Buffer.from(address.slice(2), 'hex'),
          balance,
        })),
      ],
      hardfork: edr.l1HardforkToString(hardfork),
      minGasPrice: 0n,
      mining: {
        autoMine: true,
        ...(options.blockIntervalMs ? { interval: BigInt(options.blockIntervalMs) } : {}),
        memPool: { order: edr.MineOrdering.Priority },
      },
      network: { genesisBlockGasLimit: 30_000_000n },
      networkId: BigInt(options.chainId),
      observability: {},
      ownedAccounts: [],
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => undefined },
    { subscriptionCallback: () => undefined },
    new edr.ContractDecoder(),
  );
  /** One JSON-RPC call; EDR answers `result` or `error`, the envelope (jsonrpc, id) is ours. */
  const call = async (request: { id?: unknown; method?: unknown; params?: unknown }) => {
    const response = await provider.handleRequest(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: request.method, params: request.params ?? [] }),
    );
    const data = (typeof response.data === 'string' ? JSON.parse(response.data) : response.data) as {
      error?: { code: number; message: string; data?: { data?: string } };
    };
    // A revert answered as geth does (code 3, the revert data as hex), so clients decode the contract's error.
    if (data.error && typeof data.error.data?.data === 'string') {
      data.error = { code: 3, message: data.error.message, data: data.error.data.data } as typeof data.error;
    }
    return { ...data, jsonrpc: '2.0', id: request.id ?? null };
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        let answer: unknown;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          answer = Array.isArray(body) ? await Promise.all(body.map(call)) : await call(body as object);
        } catch (error) {
          answer = { jsonrpc: '2.0', id: null, error: { code: -32700, message: (error as Error).message } };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(answer, (_key, value: unknown) =>
            typeof value === 'bigint' ? `0x${value.toString(16)}` : value,
          ),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${options.host}:${port}` };
}
