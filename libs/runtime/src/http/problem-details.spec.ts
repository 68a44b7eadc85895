import { DomainError, DomainErrorKind } from '@gridex/contracts';
import { bodyProblem, problemFor } from './problem-details';

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

describe('bodyProblem: what the JSON reader refuses is the client’s problem, never a 500', () => {
  it.each<[string, { type: string; status: number; limit?: number }, number, string, RegExp]>([
    [
      'a body over the limit',
      { type: 'entity.too.large', status: 413, limit: 102_400 },
      413,
      'REQUEST.TOO_LARGE',
      /102400 bytes/,
    ],
    [
      'a body that is not JSON',
      { type: 'entity.parse.failed', status: 400 },
      400,
      'REQUEST.MALFORMED',
      /not valid JSON/,
    ],
    [
      'an unsupported charset',
      { type: 'charset.unsupported', status: 415 },
      415,
      'REQUEST.UNREADABLE',
      /charset/,
    ],
  ])('%s', (_name, error, status, code, detail) => {
    const problem = bodyProblem(error);
    expect([problem.getStatus(), problem.code]).toEqual([status, code]);
    expect(problem.message).toMatch(detail);
  });
});
