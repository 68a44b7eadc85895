import { BreakerState, closedBreaker, mayCall, recordFailure, recordSuccess } from './circuit-breaker';

const settings = { failureThreshold: 3, openMs: 10_000 };
type Step = ['call', number, boolean] | ['fail', number] | ['ok'];

describe('circuit breaker', () => {
  it.each<[string, Step[], BreakerState]>([
    [
      'stays closed below the threshold',
      [
        ['fail', 0],
        ['fail', 1],
        ['call', 2, true],
      ],
      'closed',
    ],
    [
      'a success resets the count',
      [['fail', 0], ['fail', 1], ['ok'], ['fail', 2], ['fail', 3], ['call', 4, true]],
      'closed',
    ],
    [
      'opens at the threshold and refuses calls',
      [
        ['fail', 0],
        ['fail', 1],
        ['fail', 2],
        ['call', 3, false],
      ],
      'open',
    ],
    [
      'lets one probe through once open long enough, and only one',
      [
        ['fail', 0],
        ['fail', 1],
        ['fail', 2],
        ['call', 10_002, true],
        ['call', 10_003, false],
      ],
      'half-open',
    ],
    [
      'a successful probe closes it',
      [['fail', 0], ['fail', 1], ['fail', 2], ['call', 10_002, true], ['ok'], ['call', 10_003, true]],
      'closed',
    ],
    [
      'a failed probe opens it again for another period',
      [
        ['fail', 0],
        ['fail', 1],
        ['fail', 2],
        ['call', 10_002, true],
        ['fail', 10_004],
        ['call', 20_003, false],
        ['call', 20_004, true],
      ],
      'half-open',
    ],
  ])('%s', (_name, steps, finalState) => {
    const breaker = closedBreaker();
    for (const step of steps) {
      if (step[0] === 'call') expect(mayCall(breaker, step[1])).toBe(step[2]);
      else if (step[0] === 'fail') recordFailure(breaker, 'timeout', step[1], settings);
      else recordSuccess(breaker);
    }
    expect(breaker.state).toBe(finalState);
  });
});
