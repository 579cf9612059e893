import type { Redis } from 'ioredis';

/** A Lua script run with its keys and arguments; its reply as Redis gives it. */
export type LuaCommand = (keys: readonly string[], args: readonly (string | number | Buffer)[]) => Promise<unknown>;

/**
 * Registers a script with ioredis (`defineCommand`): it is sent once and run
 * by its SHA afterwards (ioredis sends it again when a restarted Redis has
 * forgotten it).
 */
export function defineLuaCommand(client: Redis, name: string, lua: string): LuaCommand {
  client.defineCommand(name, { lua });
  const command = (client as unknown as Record<string, (...args: (string | number | Buffer)[]) => Promise<unknown>>)[name] as (...args: (string | number | Buffer)[]) => Promise<unknown>;
  return (keys, args) => command.call(client, keys.length, ...keys, ...args);
}
