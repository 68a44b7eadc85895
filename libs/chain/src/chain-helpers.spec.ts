import { creditIdOfToken, creditTokenId, uuidBytes16 } from './chain-ids';
import { confirmedWindow } from './confirmed-logs';

describe('confirmedWindow', () => {
  it.each<[string, bigint, bigint, bigint, bigint, { fromBlock: bigint; toBlock: bigint } | undefined]>([
    ['nothing confirmed beyond the cursor', 10n, 3n, 8n, 100n, undefined],
    ['the blocks that have enough on top', 10n, 3n, 5n, 100n, { fromBlock: 6n, toBlock: 8n }],
    ['one confirmation: the head itself', 10n, 1n, 9n, 100n, { fromBlock: 10n, toBlock: 10n }],
    ['far behind: one window at most', 20_000n, 3n, 0n, 5_000n, { fromBlock: 1n, toBlock: 5_000n }],
    ['a chain shorter than the confirmations', 2n, 3n, 0n, 100n, undefined],
  ])('%s', (_name, head, confirmations, scanned, max, expected) => {
    expect(confirmedWindow(head, confirmations, scanned, max)).toEqual(expected);
  });
});

describe('chain ids', () => {
  it.each(['3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c', '00000000-0000-0000-0000-000000000001'])(
    'a credit id survives the round trip through its token id (%s)',
    (id) => {
      expect(creditIdOfToken(creditTokenId(id))).toBe(id);
      expect(uuidBytes16(id)).toMatch(/^0x[0-9a-f]{32}$/);
    },
  );

  it('refuses what is not a UUID, and token ids beyond 128 bits', () => {
    expect(() => uuidBytes16('not-a-uuid')).toThrow(RangeError);
    expect(creditIdOfToken(1n << 128n)).toBeUndefined();
  });
});
