import { DomainError, DomainErrorKind } from '@gridex/contracts';
import { problemFor } from './problem-details';

describe('problemFor: domain errors become HTTP problems at the edge', () => {
  it.each<[DomainErrorKind, number]>([
    ['invalid', 400],
    ['not-found', 404],
    ['conflict', 409],
    ['rejected', 422],
    ['payment-required', 402],
  ])('%s answers %d, keeping the code, the detail and the fields', (kind, status) => {
    const fields = [{ field: 'amount.micros', message: 'too large' }];
    const problem = problemFor(new DomainError('BILLING.SOMETHING', kind, 'what went wrong', fields));
    expect({
      status: problem.getStatus(),
      code: problem.code,
      detail: problem.message,
      errors: problem.errors,
    }).toEqual({
      status,
      code: 'BILLING.SOMETHING',
      detail: 'what went wrong',
      errors: fields,
    });
  });
});
