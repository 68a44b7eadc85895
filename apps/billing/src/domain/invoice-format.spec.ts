import { invoiceCsv, InvoicePeriod, periodOf } from './invoice-format';

describe('periodOf (UTC)', () => {
  it.each<[InvoicePeriod, string, string, string]>([
    ['month', '2026-11-28T10:42:17.123Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['month', '2026-12-31T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['week', '2026-11-28T10:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'], // Sat → Mon
    ['week', '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z'], // a Monday
    ['day', '2026-02-28T23:00:00.000Z', '2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['hour', '2026-11-28T10:59:59.999Z', '2026-11-28T10:00:00.000Z', '2026-11-28T11:00:00.000Z'],
    ['minute', '2026-11-28T10:42:59.999Z', '2026-11-28T10:42:00.000Z', '2026-11-28T10:43:00.000Z'],
  ])('%s of %s is [%s, %s)', (period, at, start, end) => {
    const result = periodOf(new Date(at), period);
    expect([result.start.toISOString(), result.end.toISOString()]).toEqual([start, end]);
  });
});

describe('invoiceCsv', () => {
  it('writes a header, one row per line with RFC 4180 quoting, and the total', () => {
    const csv = invoiceCsv(
      [
        {
          lineNo: 1,
          jobId: 'job-1',
          reservationId: 'r-1',
          gpuProduct: 'H100, "SXM"',
          gpuSeconds: 720,
          unitPricePerGpuHourMicros: '2300000',
          amountMicros: '460000',
          startedAt: '2026-11-28T10:00:00.000Z',
        },
      ],
      '460000',
      720,
    );
    expect(csv.split('\r\n')).toEqual([
      'line,job_id,reservation_id,gpu_product,gpu_seconds,unit_price_per_gpu_hour_micros,amount_micros,started_at,finished_at,compute_credit_id',
      '1,job-1,r-1,"H100, ""SXM""",720,2300000,460000,2026-11-28T10:00:00.000Z,,',
      'total,,,,720,,460000,,,',
      '',
    ]);
  });

  it('names the compute credit that paid a line and keeps its amount out of the total due', () => {
    const line = {
      jobId: 'job-2',
      reservationId: 'r-2',
      gpuProduct: 'H100',
      gpuSeconds: 3600,
      startedAt: '2026-11-28T10:00:00.000Z',
      finishedAt: '2026-11-28T11:00:00.000Z',
    };
    const csv = invoiceCsv(
      [
        { ...line, lineNo: 1, unitPricePerGpuHourMicros: '2300000', amountMicros: '2300000' },
        {
          ...line,
          lineNo: 2,
          unitPricePerGpuHourMicros: '2419200',
          amountMicros: '2419200',
          computeCreditId: 'c-1',
        },
      ],
      '2300000',
      7200,
      '2419200',
    );
    expect(csv.split('\r\n').slice(2)).toEqual([
      '2,job-2,r-2,H100,3600,2419200,2419200,2026-11-28T10:00:00.000Z,2026-11-28T11:00:00.000Z,c-1',
      'credits_applied,,,,,,2419200,,,',
      'total,,,,7200,,2300000,,,',
      '',
    ]);
  });
});
