import { SUMMARY_COLUMNS, type SummaryRow } from './summary.js';

/**
 * What a spreadsheet may skip before a formula: any whitespace (the Unicode spaces, NBSP, tab, CR
 * and LF included) and the zero-width characters. What starts one: `=`, `+`, `-`, `@`, tab, CR,
 * LF, and the full-width forms of the four signs.
 */
const FORMULA_START = /^[\s\u180E\u200B-\u200D\u2060\uFEFF]*[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/u;

/**
 * One RFC 4180 cell. A string cell (what players sent) that a spreadsheet could run as a formula
 * gets a leading `'` (contract C9); numbers are the service's own and stay numbers, negative ones
 * included.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The summary's rows as RFC 4180 CSV under a header row, lines ended by CRLF. */
export function toCsv(rows: readonly SummaryRow[]): string {
  const lines = [
    SUMMARY_COLUMNS.join(','),
    ...rows.map((row) => SUMMARY_COLUMNS.map((column) => csvCell(row[column])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
