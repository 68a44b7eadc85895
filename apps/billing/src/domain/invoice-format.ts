/** One invoice line as stored and served. */
export interface InvoiceLineView {
  lineNo: number;
  jobId: string;
  reservationId: string;
  gpuProduct: string;
  gpuSeconds: number;
  unitPricePerGpuHourMicros: string;
  amountMicros: string;
  startedAt?: string;
  finishedAt?: string;
  /** The compute credit that paid the line (its amount is then not due: the credit was bought before). */
  computeCreditId?: string;
}

const CSV_COLUMNS: ReadonlyArray<[string, (line: InvoiceLineView) => string | number | undefined]> = [
  ['line', (l) => l.lineNo],
  ['job_id', (l) => l.jobId],
  ['reservation_id', (l) => l.reservationId],
  ['gpu_product', (l) => l.gpuProduct],
  ['gpu_seconds', (l) => l.gpuSeconds],
  ['unit_price_per_gpu_hour_micros', (l) => l.unitPricePerGpuHourMicros],
  ['amount_micros', (l) => l.amountMicros],
  ['started_at', (l) => l.startedAt],
  ['finished_at', (l) => l.finishedAt],
  ['compute_credit_id', (l) => l.computeCreditId],
];

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * An invoice as CSV: a header row, one row per line, a `credits_applied` row when compute credits paid some
 * lines, and a last `total` row (what is due in money), amounts in integer micro-units (spreadsheets divide by
 * 1,000,000; nothing is rounded on the way).
 */
export function invoiceCsv(
  lines: readonly InvoiceLineView[],
  totalMicros: string,
  gpuSeconds: number,
  creditsAppliedMicros = '0',
): string {
  return csvRows(
    CSV_COLUMNS.map(([name]) => name),
    [
      ...lines.map((line) => CSV_COLUMNS.map(([, value]) => value(line))),
      ...(BigInt(creditsAppliedMicros) > 0n
        ? [['credits_applied', '', '', '', '', '', creditsAppliedMicros, '', '', '']]
        : []),
      ['total', '', '', '', gpuSeconds, '', totalMicros, '', '', ''],
    ],
  );
}

/** A CSV document: the header row and the rows, CRLF line ends (RFC 4180). */
export function csvRows(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>,
): string {
  const lines = [header.map(csvField).join(','), ...rows.map((row) => row.map(csvField).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export type InvoicePeriod = 'month' | 'week' | 'day' | 'hour' | 'minute';

/** The UTC period containing `at`: [start, end). Weeks start on Monday (ISO 8601). */
export function periodOf(at: Date, period: InvoicePeriod): { start: Date; end: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (period) {
    case 'month':
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
    case 'week': {
      const monday = d - ((at.getUTCDay() + 6) % 7);
      return { start: new Date(Date.UTC(y, m, monday)), end: new Date(Date.UTC(y, m, monday + 7)) };
    }
    case 'day':
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case 'hour': {
      const h = at.getUTCHours();
      return { start: new Date(Date.UTC(y, m, d, h)), end: new Date(Date.UTC(y, m, d, h + 1)) };
    }
    case 'minute': {
      const start = Math.floor(at.getTime() / 60_000) * 60_000;
      return { start: new Date(start), end: new Date(start + 60_000) };
    }
  }
}
