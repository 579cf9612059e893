#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { checkCommand } from './check-command.js';
import { groupings } from '../usage/usage-report.js';
import { pricingHelp, pricingUpdateCommand } from './pricing-command.js';
import { usageCommand, usageHelp } from './usage-command.js';
import { usageMigrateCommand, usageMigrateHelp } from './usage-migrate-command.js';
import { serveCommand } from './serve-command.js';

const usage = `Usage: tokenpak <command> [options]

Commands:
  serve                   Start the gateway (default)
  check                   Validate a config file; exit 1 on errors
  pricing update --from   Fetch a pricing table (file or URL) and save it at pricing.cache_path
  usage                   Print usage and cost from the ledger (--since 24h --by ${groupings.join('|')})
  usage migrate --from sqlite --to postgres
                          Copy a SQLite ledger (rows and rollups) into the PostgreSQL one at usage.postgres_url

Options:
  --config <file>   proxy.yaml to use (default: $TOKENPAK_CONFIG, ./proxy.yaml, or built-in defaults)
  --port <n>        Port to listen on (serve; overrides server.port)
  --host <addr>     Address to listen on (serve; overrides server.host)
  --from <src>      A pricing table's file or URL (pricing update); sqlite (usage migrate)
  --to <dest>       postgres (usage migrate)
  --db-path <file>  The SQLite ledger to copy (usage migrate; default usage.db_path)
  --since <when>    24h, 7d, 30m or an ISO date (usage; default 24h)
  --by <group>      ${groupings.join(', ')} (usage; default model)
  -h, --help        Show this help`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      from: { type: 'string' },
      to: { type: 'string' },
      'db-path': { type: 'string' },
      since: { type: 'string' },
      by: { type: 'string' },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (command === 'usage' && positionals[1] === 'migrate') {
    if (values.help) return printHelp(usageMigrateHelp);
    return usageMigrateCommand({ configPath: values.config, from: values.from, to: values.to, dbPath: values['db-path'] });
  }
  if (command === 'usage' && positionals[1] !== undefined) {
    console.error(`Unknown usage command "${positionals[1]}".\n\n${usageHelp}`);
    return 1;
  }
  if (command === 'usage') return values.help ? printHelp(usageHelp) : usageCommand({ configPath: values.config, since: values.since, by: values.by });
  if (command === 'pricing') {
    const subcommand = positionals[1];
    if (values.help || subcommand === undefined) return printHelp(pricingHelp);
    if (subcommand === 'update') return pricingUpdateCommand({ configPath: values.config, from: values.from });
    console.error(`Unknown pricing command "${subcommand}".\n\n${pricingHelp}`);
    return 1;
  }
  if (values.help) return printHelp(usage);
  if (command === 'check') return checkCommand({ configPath: values.config });
  if (command === 'serve') {
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      console.error(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
      return 1;
    }
    return serveCommand({ configPath: values.config, port, host: values.host });
  }
  console.error(`Unknown command "${command}".\n\n${usage}`);
  return 1;
}

function printHelp(text: string): number {
  console.log(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
