// The comparison rows as a table for a terminal, or as markdown.

import type {CompareRow} from './compare';

const COLUMNS = [
  'backend',
  'kernel',
  'case',
  'err vs ref',
  'err vs built-in',
  'handmade ms',
  'built-in ms',
  'ratio',
  'ok',
  'note',
];

const exp = (v: number | null) => (v == null ? '-' : v.toExponential(1));
const ms = (v: number | null) => (v == null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** A cell's text on one line: backslash, line breaks, tabs and other control characters as
 *  escapes, and markdown's column separator | as \| (in the text table too, so both read alike). */
export function escapeCell(text: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are what it escapes
  return text.replace(/[\\|\n\r\t]|[\u0000-\u001f\u007f]/g, (ch) => {
    switch (ch) {
      case '\\':
        return '\\\\';
      case '|':
        return '\\|';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

function cells(r: CompareRow): string[] {
  return [
    r.backend,
    r.kernel.replace(/^Handmade/, ''),
    escapeCell(r.case),
    exp(r.refRelErr),
    r.builtin == null ? 'no built-in' : exp(r.builtinRelErr),
    ms(r.handmadeMs),
    ms(r.builtinMs),
    r.ratio == null ? '-' : `${r.ratio.toFixed(1)}x`,
    r.ok ? 'ok' : 'FAIL',
    escapeCell(r.note),
  ];
}

export function formatText(rows: CompareRow[]): string {
  const table = [COLUMNS, ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatMarkdown(rows: CompareRow[]): string {
  const line = (cs: string[]) => `| ${cs.join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...rows.map((r) => line(cells(r)))].join(
    '\n',
  );
}

export function summary(rows: CompareRow[]): string {
  const failed = rows.filter((r) => !r.ok).length;
  return `${rows.length - failed} passed, ${failed} failed`;
}
