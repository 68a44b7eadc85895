import { PartitionBounds, unreadEvents } from './stale-backlog';

describe('unreadEvents: what a consumer group would read on start', () => {
  const bounds = new Map<string, Map<number, PartitionBounds>>([
    [
      'jobs',
      new Map([
        [0, { low: 0n, high: 100n }],
        [1, { low: 40n, high: 50n }],
      ]),
    ],
    ['empty', new Map([[0, { low: 7n, high: 7n }]])],
  ]);
  const at = (offsets: Array<[number, string]>) => [
    { topic: 'jobs', partitions: offsets.map(([partition, offset]) => ({ partition, offset })) },
  ];

  it.each<[string, ReturnType<typeof at>, bigint]>([
    [
      'caught up everywhere',
      at([
        [0, '100'],
        [1, '50'],
      ]),
      0n,
    ],
    [
      'behind on both partitions',
      at([
        [0, '90'],
        [1, '45'],
      ]),
      15n,
    ],
    // A group that never read the topic starts at its earliest retained event: all of it is unread.
    [
      'never read the topic',
      at([
        [0, '-1'],
        [1, '-1'],
      ]),
      110n,
    ],
    [
      'read one partition only',
      at([
        [0, '100'],
        [1, '-1'],
      ]),
      10n,
    ],
    ['a partition the topic does not have', at([[5, '3']]), 0n],
    ['an empty topic', [{ topic: 'empty', partitions: [{ partition: 0, offset: '-1' }] }], 0n],
  ])('%s', (_name, committed, expected) => {
    expect(unreadEvents(committed, bounds)).toBe(expected);
  });
});
