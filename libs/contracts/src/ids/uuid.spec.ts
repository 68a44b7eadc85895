import { deterministicUuid, IdNamespaces, uuidv7, uuidv7Timestamp } from './uuid';

describe('uuidv7', () => {
  it.each([
    ['epoch', 0],
    ['a recent instant', Date.parse('2026-11-28T12:00:00.000Z')],
    ['the last millisecond of 48 bits', 2 ** 48 - 1],
  ])('embeds %s and sets version 7 and the RFC variant', (_name, nowMs) => {
    const id = uuidv7(nowMs);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Timestamp(id)).toBe(nowMs);
  });

  it('sorts by creation time and never repeats', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('deterministicUuid', () => {
  it.each([
    ['same inputs', ['job-1', 0], ['job-1', 0], true],
    ['different attempt', ['job-1', 0], ['job-1', 1], false],
    ['parts are not concatenated ambiguously', ['ab', 'c'], ['a', 'bc'], false],
  ] as const)('%s', (_name, left, right, same) => {
    const a = deterministicUuid(IdNamespaces.reservation, ...left);
    const b = deterministicUuid(IdNamespaces.reservation, ...right);
    expect(a === b).toBe(same);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs between namespaces for the same parts', () => {
    expect(deterministicUuid(IdNamespaces.reservation, 'job-1')).not.toBe(
      deterministicUuid(IdNamespaces.settlement, 'job-1'),
    );
  });

  it('matches the RFC 9562 version-5 test vector (DNS namespace, "www.example.com")', () => {
    expect(deterministicUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => deterministicUuid('jobs', 'x')).toThrow(/namespace must be a UUID/);
  });
});
