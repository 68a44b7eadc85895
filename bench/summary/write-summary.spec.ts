import { FIGURES, markdown, meets, summarize } from './write-summary';

describe('the benchmark summary', () => {
  it.each<[number, '>=' | '<=' | '=', number, boolean]>([
    [7339, '>=', 5000, true],
    [5000, '>=', 5000, true],
    [4999, '>=', 5000, false],
    [0.71, '>=', 3, false],
    [12.1, '<=', 50, true],
    [51, '<=', 50, false],
    [0, '=', 0, true],
    [1, '=', 0, false],
  ])('%d %s %d is %s', (value, op, target, met) => {
    expect(meets(value, { op, value: target })).toBe(met);
  });

  it('reads each figure from its benchmark, marks missed targets, and tells not run from not measured', () => {
    const rows = summarize({
      billing: { eventsPerSecond: 5271, mismatches: 0, duplicates: 2, measuredAt: '2026-11-28T18:21:20Z' },
      matching: { targetsAtLargest: { p99Ms: { value: 0.08 } } },
    });
    const row = (bench: string, path: string) => rows.find((r) => r.bench === bench && r.path === path);
    expect(row('billing', 'eventsPerSecond')).toMatchObject({
      value: 5271,
      met: false,
      measuredAt: '2026-11-28T18:21:20Z',
    });
    expect(row('billing', 'duplicates')).toMatchObject({ value: 2, met: false });
    expect(row('billing', 'mismatches')).toMatchObject({ value: 0, met: true });
    expect(row('matching', 'targetsAtLargest.p99Ms.value')).toMatchObject({ value: 0.08, met: true });
    expect(row('billing', 'invoiceSeconds')).toMatchObject({ ran: true, value: null, met: null });
    expect(row('e2e', 'p99Ms')).toMatchObject({ ran: false, value: null, met: null, measuredAt: null });
    expect(rows).toHaveLength(FIGURES.length);

    const table = markdown(rows).split('\n');
    expect(table[0]).toBe('| benchmark | figure | value | target | met | measured |');
    expect(table).toContain(
      '| billing | metering events | 5,271 events/s | >= 10,000 | **no** | 2026-11-28 |',
    );
    expect(table).toContain('| e2e | submit → Running p99 at 50 jobs/s | not run | <= 1,000 |  |  |');
    expect(table).toContain('| billing | 100,000-line invoice | not measured | baseline |  | 2026-11-28 |');
  });
});
