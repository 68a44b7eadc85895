import { QuoteAnsweredPayload } from '@gridex/contracts';
import { matchReasons } from './match-reasons';

const base: QuoteAnsweredPayload = {
  requestId: '01a22380-0000-7000-8000-000000000001',
  feasible: false,
  nodesConsidered: 40,
  answeredAt: '2026-11-28T10:00:00.000Z',
};

describe('matchReasons', () => {
  it.each<[string, Partial<QuoteAnsweredPayload>, string[]]>([
    ['feasible: none', { feasible: true }, []],
    [
      'infeasible: each excluding constraint, then what to relax',
      {
        code: 'MATCHING.INFEASIBLE',
        exclusions: [
          { constraint: 'gpu-product', excludedNodes: 30, excludedGpus: 240 },
          { constraint: 'region', excludedNodes: 0, excludedGpus: 0 },
          { constraint: 'price-cap', excludedNodes: 10, excludedGpus: 80 },
        ],
        nearMiss: { relax: 'price-cap', pricePerGpuHour: { currency: 'USD', micros: '3100000' } },
      },
      [
        'gpu-product: excludes 30 node(s), 240 GPU(s)',
        'price-cap: excludes 10 node(s), 80 GPU(s)',
        'relaxing price-cap would fit (at 3.10 per GPU-hour)',
      ],
    ],
    [
      'busy capacity says it would queue',
      { code: 'MATCHING.NO_CAPACITY', exclusions: [] },
      ['no capacity free now that fits; it would queue'],
    ],
    [
      'an empty book still says something',
      { code: 'MATCHING.INFEASIBLE', exclusions: [] },
      ['nothing fits among 40 node(s)'],
    ],
  ])('%s', (_name, patch, expected) => {
    expect(matchReasons({ ...base, ...patch })).toEqual(expected);
  });
});
