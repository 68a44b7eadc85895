/** A payout the provider refused, with its reason for the supplier. */
export class PayoutRefused extends Error {
  constructor(readonly reason: string) {
    super(`payout refused: ${reason}`);
    this.name = 'PayoutRefused';
  }
}

export interface PayoutOrder {
  /** The provider deduplicates by this key (the payout id): a retried order is paid once. */
  idempotencyKey: string;
  supplierId: string;
  currency: string;
  amountMicros: bigint;
}

/**
 * Where suppliers' money goes out: a bank or payments platform's payout API (Stripe Connect transfers, Adyen
 * payouts, a SEPA batch). Gridex sends one order per payout with the payout id as idempotency key, so an order
 * resent after a crash is paid once; the provider answers its reference, or refuses (then the payout is
 * reversed and the supplier may claim again). A real provider implements this port and is bound in
 * `billing.module.ts` in place of the test one; the supplier's payout destination is the provider's account
 * for the supplier id (onboarded with the provider, never stored here).
 */
export interface PayoutProvider {
  send(order: PayoutOrder): Promise<{ reference: string }>;
}

export const PAYOUT_PROVIDER = Symbol('PAYOUT_PROVIDER');

/**
 * The provider for development and tests: no real money. Every order is paid, except for suppliers whose id
 * contains `unpayable` (refused: "no payout account on file"). Orders are idempotent by key, like a real
 * provider's.
 */
export class TestPayoutProvider implements PayoutProvider {
  private readonly sent = new Map<string, string>();

  async send(order: PayoutOrder): Promise<{ reference: string }> {
    const earlier = this.sent.get(order.idempotencyKey);
    if (earlier) return { reference: earlier };
    if (order.supplierId.includes('unpayable')) throw new PayoutRefused('no payout account on file');
    const reference = `test_po_${order.idempotencyKey.replace(/-/g, '').slice(0, 24)}`;
    this.sent.set(order.idempotencyKey, reference);
    return { reference };
  }
}
