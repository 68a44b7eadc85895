/** One field-level problem: which input field, and what is wrong with it. */
export interface FieldProblem {
  /** The field's path, dots between segments (`amount.micros`); `body` or `query` for the input as a whole. */
  field: string;
  message: string;
}

/**
 * What kind of refusal a domain error is, which the edge turns into its own terms (HTTP: 400, 404, 409, 422,
 * 402; Kafka: a dead letter or an answer carrying the problem):
 * - `invalid`: the input is malformed;
 * - `not-found`: what it names does not exist (for this caller);
 * - `conflict`: it clashes with the current state, and may succeed later (a cooldown, a key reused);
 * - `rejected`: well-formed, but a business rule refuses it;
 * - `payment-required`: the payment was declined.
 */
export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict' | 'rejected' | 'payment-required';

/**
 * A refusal by a service's own rules, with a stable code (`BILLING.TOP_UP_TOO_LARGE`). Thrown below the
 * controllers instead of an HTTP error: the rules do not know how they are reached, and the edge (the HTTP filter,
 * a request-reply answer) maps the kind to its own terms.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
