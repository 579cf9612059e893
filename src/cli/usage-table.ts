import type { usageReport } from '../usage/usage-report.js';

type UsageReport = Awaited<ReturnType<typeof usageReport>>;

/** Spend and savings side by side; `cache_read_share` is the share of prompt tokens the provider's prompt cache served. */
const columns = ['group', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'saved_usd', 'cache_read_share'] as const;

/** The report as `tokenpak usage` prints it: a title, a header, a row per group and the totals, columns aligned. */
export function usageTableLines(report: UsageReport): string[] {
  const rows = [...report.data, { ...report.totals, group: 'total' }].map((row) =>
    columns.map((column) => {
      if (column === 'group') return row.group ?? '(none)';
      if (column === 'cache_read_share') return formatShare(row.cache_read_share);
      return formatCell(row[column]);
    }),
  );
  const header = columns.map((column) => (column === 'group' ? report.group_by : column));
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] as string).length)));
  const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] as number) : cell.padStart(widths[index] as number))).join('  ');
  const lines = [`Usage since ${report.since}, by ${report.group_by}`, line(header), ...rows.map(line)];
  if (report.totals.unpriced_requests > 0) lines.push(`(${report.totals.unpriced_requests} request(s) of models with no known price are not in cost_usd or saved_usd)`);
  return lines;
}

function formatCell(value: number | null): string {
  if (value === null) return '-';
  if (!Number.isInteger(value)) return value.toFixed(6);
  return String(value);
}

function formatShare(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)}%`;
}
