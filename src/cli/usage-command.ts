import path from 'node:path';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { pino } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { LedgerNotFoundError, LedgerUnavailableError, type UsageLedger } from '../usage/ledger.js';
import { openLedger } from '../usage/open-ledger.js';
import { SqliteLedger } from '../usage/sqlite/sqlite-ledger.js';
import { groupings, parseUsageQuery, usageReport } from '../usage/usage-report.js';
import { usageTableLines } from './usage-table.js';

export const usageHelp = `Usage: tokenpak usage [options]

Prints requests, tokens, cost and savings from the usage ledger (usage.db_path, or PostgreSQL's at
usage.postgres_url with usage.backend: postgres): the figures of GET /admin/usage.
saved_usd is what the gateway's rewrites (prompt-cache breakpoints, compaction) saved; cache_read_share is the
share of prompt tokens read from the provider's prompt cache.

Options:
  --since <when>    A duration (30m, 24h, 7d) or an ISO date (default 24h)
  --by <group>      ${groupings.join(', ')} (default model)
                    (key: a virtual key's name, else a hash of the client's key)
  --config <file>   proxy.yaml to use (default: $TOKENPAK_CONFIG, ./proxy.yaml, or built-in defaults)
  -h, --help        Show this help

tokenpak usage migrate --from sqlite --to postgres copies a SQLite ledger into PostgreSQL (see its --help).`;

/** Prints the config's usage ledger as a table: the same figures as `GET /admin/usage`. */
export async function usageCommand(options: { configPath?: string; since?: string; by?: string }): Promise<number> {
  let query;
  try {
    query = parseUsageQuery(options.since, options.by, { since: '--since', groupBy: '--by' });
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const loaded = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
  const { usage } = loaded.config;
  if (usage.backend === 'sqlite' && usage.db_path === ':memory:') {
    console.error('usage.db_path is ":memory:": that ledger lives only inside the running gateway; ask it with GET /admin/usage.');
    return 1;
  }
  let ledger;
  try {
    ledger = await reportingLedger(usage, loaded.baseDir);
  } catch (error) {
    if (!(error instanceof LedgerNotFoundError)) throw error;
    console.error(error.message);
    return 1;
  }
  try {
    for (const line of usageTableLines(await usageReport(ledger, query))) console.log(line);
    return 0;
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    console.error(error.message);
    return 1;
  } finally {
    await ledger.close();
  }
}

/** The ledger to read, opened only to report: no pruning, and for PostgreSQL no spool (the gateway's stays the gateway's). */
async function reportingLedger(usage: GatewayConfig['usage'], baseDir: string): Promise<UsageLedger> {
  if (usage.backend === 'sqlite') return SqliteLedger.openExisting(path.resolve(baseDir, usage.db_path));
  return openLedger(usage, { logger: pino({ level: 'silent' }), sqlitePath: ':memory:', prune: false });
}
