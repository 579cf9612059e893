import path from 'node:path';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { LedgerNotFoundError, UsageLedger } from '../usage/ledger.js';
import { groupings, parseUsageQuery, usageReport } from '../usage/usage-report.js';

const columns = ['group', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_usd'] as const;

export const usageHelp = `Usage: tokenpak usage [options]

Prints requests, tokens and cost from the usage ledger (usage.db_path): the figures of GET /admin/usage.

Options:
  --since <when>    A duration (30m, 24h, 7d) or an ISO date (default 24h)
  --by <group>      ${groupings.join(', ')} (default model)
                    (key: a virtual key's name, else a hash of the client's key)
  --config <file>   proxy.yaml to use (default: $TOKENPAK_CONFIG, ./proxy.yaml, or built-in defaults)
  -h, --help        Show this help`;

/** Prints the usage ledger of the config's `usage.db_path` as a table: the same figures as `GET /admin/usage`. */
export async function usageCommand(options: { configPath?: string; since?: string; by?: string }): Promise<number> {
  let query;
  try {
    query = parseUsageQuery(options.since, options.by, { since: '--since', groupBy: '--by' });
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const loaded = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
  if (loaded.config.usage.db_path === ':memory:') {
    console.error('usage.db_path is ":memory:": that ledger lives only inside the running gateway; ask it with GET /admin/usage.');
    return 1;
  }
  let ledger;
  try {
    ledger = UsageLedger.openExisting(path.resolve(loaded.baseDir, loaded.config.usage.db_path));
  } catch (error) {
    if (!(error instanceof LedgerNotFoundError)) throw error;
    console.error(error.message);
    return 1;
  }
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
