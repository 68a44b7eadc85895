/** A charge the payment provider refused, with its reason for the client. */
export class PaymentDeclined extends Error {
  constructor(readonly reason: string) {
    super(`payment declined: ${reason}`);
    this.name = 'PaymentDeclined';
  }
}

export interface PaymentRequest {
  /** The provider deduplicates by this key: a retried charge is charged once. */
  idempotencyKey: string;
  tenantId: string;
  currency: string;
  amountMicros: bigint;
  /** The provider's token for the tenant's payment method. */
  paymentMethod: string;
}

/**
 * Where money for top-ups comes from. Gridex never sees card data: the gateway passes the provider's token
 * through, and the provider answers with its reference for the charge (or declines).
 */
export interface PaymentProvider {
  charge(request: PaymentRequest): Promise<{ reference: string }>;
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

/**
 * The provider for development and tests: no real money. Tokens starting `pm_test_` are charged, except
 * `pm_test_declined` (declined: "card declined") and `pm_test_insufficient` (declined: "insufficient funds");
 * anything else is declined as unknown. Charges are idempotent by key, like a real provider's.
 */
export class TestPaymentProvider implements PaymentProvider {
  private readonly charges = new Map<string, string>();

  async charge(request: PaymentRequest): Promise<{ reference: string }> {
    const earlier = this.charges.get(request.idempotencyKey);
    if (earlier) return { reference: earlier };
    if (request.paymentMethod === 'pm_test_declined') throw new PaymentDeclined('card declined');
    if (request.paymentMethod === 'pm_test_insufficient') throw new PaymentDeclined('insufficient funds');
    if (!request.paymentMethod.startsWith('pm_test_')) {
      throw new PaymentDeclined(`unknown payment method ${request.paymentMethod}`);
    }
    const reference = `test_ch_${request.idempotencyKey.replace(/-/g, '').slice(0, 24)}`;
    this.charges.set(request.idempotencyKey, reference);
    return { reference };
  }
}
