import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { describeImportFailure, importConfiguredModule } from '../config/load-module.js';
import type { LoadedConfig } from '../config/load.js';
import type { HookContext } from './hook-context.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../core/types.js';

type Awaitable<T> = T | Promise<T>;

/**
 * What a module listed under `hooks:` may export. Either function may return a
 * replacement object, return nothing to keep what it was given, or throw a
 * `GatewayError` to answer the client with that error.
 */
export interface HookModule {
  onRequest?(request: ChatRequest | EmbeddingRequest, ctx: HookContext): Awaitable<ChatRequest | EmbeddingRequest | void | undefined>;
  onResponse?(response: ChatResponse | EmbeddingResponse, ctx: HookContext): Awaitable<ChatResponse | EmbeddingResponse | void | undefined>;
}

export interface Hooks {
  onRequest: NonNullable<HookModule['onRequest']>[];
  onResponse: NonNullable<HookModule['onResponse']>[];
}

export async function loadHooks(loaded: LoadedConfig): Promise<Hooks> {
  const hooks: Hooks = { onRequest: [], onResponse: [] };
  const problems: ConfigProblem[] = [];
  for (const [index, specifier] of loaded.config.hooks.entries()) {
    const keyPath = `hooks[${index}]`;
    try {
      const module = (await importConfiguredModule(specifier, loaded.baseDir)) as HookModule;
      const { onRequest, onResponse } = module;
      if (typeof onRequest !== 'function' && typeof onResponse !== 'function') {
        problems.push({ path: keyPath, message: `${specifier} exports neither onRequest nor onResponse`, line: loaded.locateLine(keyPath) });
        continue;
      }
      if (typeof onRequest === 'function') hooks.onRequest.push(onRequest);
      if (typeof onResponse === 'function') hooks.onResponse.push(onResponse);
    } catch (error) {
      problems.push({ path: keyPath, message: `cannot load ${specifier}: ${describeImportFailure(error)}`, line: loaded.locateLine(keyPath) });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, loaded.file);
  return hooks;
}
