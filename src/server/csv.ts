/** A CSV column: text cells are guarded against spreadsheet formulas, number cells are written as numbers. */
export interface CsvColumn<Row> {
  readonly name: string;
  readonly kind: 'text' | 'number';
  readonly value: (row: Row) => string | number | null;
}

/** Characters a spreadsheet reads as the start of a formula (tab and CR too, as OWASP lists). */
const formulaStart = /^[=+\-@\t\r]/;
const needsQuotes = /[",\r\n]/;
const quote = /"/g;

/**
 * One cell, as RFC 4180 writes it: quoted when it holds a comma, a quote or a
 * line break, its quotes doubled. A text cell that a spreadsheet would run as
 * a formula is given a leading apostrophe; numbers (negative ones included) are not.
 */
export function csvCell(value: string | number | null, kind: 'text' | 'number'): string {
  if (value === null) return '';
  if (kind === 'number') return String(value);
  const raw = String(value);
  const text = formulaStart.test(raw) ? `'${raw}` : raw;
  return needsQuotes.test(text) ? `"${text.replace(quote, '""')}"` : text;
}

export function csvHeader<Row>(columns: ReadonlyArray<CsvColumn<Row>>): string {
  return `${columns.map((column) => csvCell(column.name, 'text')).join(',')}\r\n`;
}

/** The rows as CSV lines, each ended by CRLF. */
export function csvLines<Row>(columns: ReadonlyArray<CsvColumn<Row>>, rows: readonly Row[]): string {
  let lines = '';
  for (const row of rows) lines += `${columns.map((column) => csvCell(column.value(row), column.kind)).join(',')}\r\n`;
  return lines;
}
