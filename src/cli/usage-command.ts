import path from 'node:path';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { LedgerNotFoundError, UsageLedger } from '../usage/ledger.js';
import { groupings, parseUsageQuery, usageReport } from '../usage/usage-report.js';
import { usageTableLines } from './usage-table.js';

export const usageHelp = `Usage: tokenpak usage [options]

Prints requests, tokens, cost and savings from the usage ledger (usage.db_path): the figures of GET /admin/usage.
saved_usd is what the gateway's rewrites (prompt-cache breakpoints, compaction) saved; cache_read_share is the
share of prompt tokens read from the provider's prompt cache.

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
    for (const line of usageTableLines(usageReport(ledger, query))) console.log(line);
    return 0;
  } finally {
    await ledger.close();
  }
}
