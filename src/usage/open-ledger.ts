import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { UsageLedger } from './ledger.js';
import { SqliteLedger } from './sqlite/sqlite-ledger.js';

export interface OpenLedgerOptions {
  logger: Logger;
  /** The SQLite file: the ledger itself, or PostgreSQL's local spool (`:memory:` in tests and checks). */
  sqlitePath: string;
  /** Whether the ledger prunes raw rows older than `usage.retention_days` in the background (a CLI report does not). */
  prune: boolean;
}

/** The ledger `usage.backend` asks for. pg is loaded only for PostgreSQL. */
export async function openLedger(usage: GatewayConfig['usage'], options: OpenLedgerOptions): Promise<UsageLedger> {
  if (usage.backend === 'postgres') {
    const { PostgresLedger } = await import('./postgres/postgres-ledger.js');
    return PostgresLedger.open({
      url: usage.postgres_url as string,
      poolSize: usage.pool_size,
      retentionDays: options.prune ? usage.retention_days : undefined,
      spoolPath: options.sqlitePath,
      spoolMaxRows: usage.spool_max_rows,
      logger: options.logger,
    });
  }
  return SqliteLedger.open(options.sqlitePath, {
    retentionDays: options.prune ? usage.retention_days : undefined,
    onCheckpointFailure: (error) => options.logger.warn({ err: error }, 'the usage ledger checkpoints on the request path from now on: its checkpoint thread stopped'),
    onPruneFailure: (error) => options.logger.warn({ err: error }, 'the usage ledger could not prune rows past usage.retention_days; it tries again in an hour'),
  });
}
