import path from 'node:path';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { fetchPricingTable, savePricingTable } from '../usage/pricing-file.js';

export const pricingHelp = `Usage: tokenpak pricing <command> [options]

Commands:
  update --from <src>   Fetch a pricing table (file or URL), check it, and save it at pricing.cache_path;
                        a running gateway uses it from its next start

Options:
  --from <src>      The table's file or URL
  --config <file>   proxy.yaml to use (default: $TOKENPAK_CONFIG, ./proxy.yaml, or built-in defaults)
  -h, --help        Show this help`;

/** Fetches a pricing table and saves it where the gateway reads it at start (`pricing.cache_path`). */
export async function pricingUpdateCommand(options: { configPath?: string; from?: string }): Promise<number> {
  if (!options.from) {
    console.error('tokenpak pricing update needs --from FILE|URL');
    return 1;
  }
  const loaded = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
  const destination = path.resolve(loaded.baseDir, loaded.config.pricing.cache_path);
  try {
    const table = await fetchPricingTable(options.from, AbortSignal.timeout(30_000));
    await savePricingTable(table, destination);
    console.log(`Saved ${Object.keys(table.models).length} model prices (as of ${table.as_of}) to ${destination}; a running gateway uses them from its next start.`);
    return 0;
  } catch (error) {
    console.error(`Pricing not updated, the current table stays: ${(error as Error).message}`);
    return 1;
  }
}
