/**
 * What a command prints on stdout: JSON (for scripts, and whenever stdout is not a terminal) or a table for
 * people. A list (`{ items: [...] }`) becomes one row per item with the command's columns; any other object one
 * `field  value` line per field.
 */
export type OutputFormat = 'table' | 'json';

export interface Column {
  header: string;
  value: (row: Record<string, unknown>) => unknown;
}

/** The default format: a table on a terminal, JSON when piped. */
export function defaultFormat(isTty: boolean | undefined): OutputFormat {
  return isTty ? 'table' : 'json';
}

export function render(result: unknown, format: OutputFormat, columns?: readonly Column[]): string {
  if (typeof result === 'string') return result.replace(/\n$/, '');
  if (format === 'json') return JSON.stringify(result, null, 2);
  const items = (result as { items?: unknown })?.items;
  if (Array.isArray(items)) {
    const rows = items as Array<Record<string, unknown>>;
    const cols = columns ?? inferColumns(rows);
    const next = (result as { nextCursor?: unknown }).nextCursor;
    const table = renderTable(rows, cols);
    return next ? `${table}\n(more: --cursor ${String(next)})` : table;
  }
  if (result && typeof result === 'object') {
    const entries = Object.entries(result as Record<string, unknown>);
    const width = Math.max(0, ...entries.map(([key]) => key.length));
    return entries.map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}`).join('\n');
  }
  return String(result);
}

export function renderTable(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: readonly Column[],
): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join('\n');
}

function inferColumns(rows: ReadonlyArray<Record<string, unknown>>): Column[] {
  const keys = Object.keys(rows[0] ?? {}).filter((key) => {
    const value = rows[0][key];
    return value === null || typeof value !== 'object';
  });
  return keys.slice(0, 8).map((key) => ({ header: key, value: (row) => row[key] }));
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
