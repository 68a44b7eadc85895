/** A token payout to send: the payout id names it (the rail must never pay one payout twice). */
export interface TokenPayoutOrder {
  payoutId: string;
  supplierId: string;
  units: bigint;
}

export type TokenPayoutSent =
  | { outcome: 'paid' }
  | { outcome: 'submitted'; transactionHash: string }
  | { outcome: 'refused'; reason: string };

/**
 * Where claimed tokens go out. Off the chain (`OffChainTokenRail`) a payout is final at once: the operator
 * settles token payouts by other means and the ledger records them as withdrawn. On the chain, a payout is an
 * ERC-20 transfer from the platform's wallet to the supplier's: submitted first, paid once confirmed.
 */
export interface TokenPayoutRail {
  send(order: TokenPayoutOrder): Promise<TokenPayoutSent>;
  /** A submitted payout's state: `pending` until it is confirmed, `failed` if it reverted or was dropped. */
  check(order: TokenPayoutOrder, transactionHash: string): Promise<'pending' | 'paid' | 'failed'>;
}

export const TOKEN_PAYOUT_RAIL = Symbol('TOKEN_PAYOUT_RAIL');

/** Token payouts recorded in the ledger only (REWARDS_CHAIN_ENABLED=false). */
export class OffChainTokenRail implements TokenPayoutRail {
  async send(): Promise<TokenPayoutSent> {
    return { outcome: 'paid' };
  }

  async check(): Promise<'paid'> {
    return 'paid';
  }
}
