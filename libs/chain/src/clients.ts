import { defineChain } from 'viem';

/** A viem chain description for the local (or any JSON-RPC) chain Gridex is pointed at. */
export function localChain(chainId: number, rpcUrl: string) {
  return defineChain({
    id: chainId,
    name: `gridex-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
