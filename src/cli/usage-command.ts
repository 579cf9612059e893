import path from 'node:path';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { UsageLedger } from '../usage/ledger.js';
import { parseUsageQuery, usageReport } from '../usage/usage-report.js';

const columns = ['group', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_usd'] as const;

/** Prints the usage ledger of the config's `usage.db_path` as a table: the same figures as `GET /admin/usage`. */
export async function usageCommand(options: { configPath?: string; since?: string; by?: string }): Promise<number> {
  let query;
  try {
    query = parseUsageQuery(options.since, options.by);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const loaded = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
  const ledger = UsageLedger.open(path.resolve(loaded.baseDir, loaded.config.usage.db_path));
  try {
    const report = usageReport(ledger, query);
    const rows = [...report.data, { ...report.totals, group: 'total' }].map((row) =>
      columns.map((column) => formatCell(column === 'group' ? (row.group ?? '(none)') : row[column])),
    );
    const header = columns.map((column) => (column === 'group' ? query.groupBy : column));
    const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] as string).length)));
    const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] as number) : cell.padStart(widths[index] as number))).join('  ');
    console.log(`Usage since ${report.since}, by ${query.groupBy}`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    if (report.totals.unpriced_requests > 0) console.log(`(${report.totals.unpriced_requests} request(s) of models with no known price are not in cost_usd)`);
    return 0;
  } finally {
    await ledger.close();
  }
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(6);
  return String(value);
}
