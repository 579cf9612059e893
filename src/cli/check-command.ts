import { ConfigError } from '../config/config-error.js';
import { createGateway } from '../gateway/create-gateway.js';
import { pino } from 'pino';

/** Loads the config as `serve` would (adapters and hooks included) and reports every problem, without listening. */
export async function checkCommand(options: { configPath?: string }): Promise<number> {
  try {
    const gateway = await createGateway({ configPath: options.configPath, logger: pino({ level: 'silent' }), validateOnly: true });
    const where = gateway.source.file ?? 'built-in defaults';
    console.log(`${where}: OK — ${gateway.runtime.adapters.size} provider(s); ${gateway.runtime.router.describe()}`);
    await gateway.close();
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
}
