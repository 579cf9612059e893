import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { createMemoryState } from './memory/create-memory-state.js';
import { SqliteKeyStore } from './memory/sqlite-key-store.js';
import type { StateBackend } from './state-backend.js';

export interface OpenStateOptions {
  logger: Logger;
  /** The usage ledger's SQLite file, where one process keeps its virtual keys (`:memory:` for none). */
  ledgerPath: string;
  /** A check of the config (`tokenpak check`, `validateOnly`) connects to nothing. */
  sideEffectFree: boolean;
}

/** The state `state.backend` asks for: this process's memory (keys in the ledger's file), or Redis shared by every replica. */
export function openState(config: GatewayConfig, options: OpenStateOptions): Promise<StateBackend> | StateBackend {
  // Loaded only for Redis: ioredis and its dependencies cost a memory-state gateway ~7 MB of idle RSS.
  if (config.state.backend === 'redis' && !options.sideEffectFree) {
    return import('./redis/create-redis-state.js').then(({ createRedisState }) => createRedisState(config, { logger: options.logger }));
  }
  return createMemoryState(config, { keys: new SqliteKeyStore(options.ledgerPath) });
}
