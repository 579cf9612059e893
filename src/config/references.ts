import type { ConfigProblem } from './config-error.js';
import { parseProviderModel } from '../routing/provider-model.js';
import type { GatewayConfig } from './schema.js';

/** What config validation needs to know of the built-in provider types. */
export type BuiltinTypes = ReadonlyMap<string, { requiresBaseUrl: boolean }>;

/**
 * Checks what the schema cannot: that every provider named in routing exists,
 * that every provider type is built in or declared under `adapters:`, and that
 * a setting that needs the admin key has one.
 */
export function findReferenceProblems(config: GatewayConfig, builtinTypes: BuiltinTypes): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providerNames = new Set(Object.keys(config.providers));

  for (const [name, provider] of Object.entries(config.providers)) {
    const builtin = builtinTypes.get(provider.type);
    if (!builtin && !(provider.type in config.adapters)) {
      problems.push({
        path: `providers.${name}.type`,
        message: `unknown provider type "${provider.type}" (built in: ${[...builtinTypes.keys()].join(', ')}; add others under adapters:)`,
      });
    }
    if (builtin?.requiresBaseUrl && !provider.base_url) {
      problems.push({ path: `providers.${name}`, message: `base_url is required for type "${provider.type}"` });
    }
  }
  for (const name of Object.keys(config.adapters)) {
    if (builtinTypes.has(name)) {
      problems.push({ path: `adapters.${name}`, message: `"${name}" is a built-in provider type; give the custom adapter another name` });
    }
  }

  if (config.metrics.require_admin_key && !config.admin.api_key) {
    problems.push({ path: 'metrics.require_admin_key', message: 'needs admin.api_key: without it no scrape could ever be let in' });
  }

  if (config.server.workers > 1 && config.state.backend !== 'redis') {
    problems.push({
      path: 'server.workers',
      message: `${config.server.workers} workers need shared state: set state.backend: redis (and state.redis_url), or run one worker; each worker would otherwise enforce limits and budgets of its own`,
    });
  }
  for (const name of Object.keys(config.rate_limits.providers)) {
    if (!providerNames.has(name)) problems.push({ path: `rate_limits.providers.${name}`, message: `unknown provider "${name}"${configuredList(providerNames)}` });
  }
  const keyNames = new Set<string>();
  config.keys.forEach((key, index) => {
    if (keyNames.has(key.name)) problems.push({ path: `keys[${index}].name`, message: `another key is named "${key.name}" already` });
    keyNames.add(key.name);
  });

  const requireProvider = (path: string, name: string) => {
    if (!providerNames.has(name)) problems.push({ path, message: `unknown provider "${name}"${configuredList(providerNames)}` });
  };
  const { routing } = config;
  if (routing.primary !== undefined) requireProvider('routing.primary', routing.primary);
  const fallbacks = typeof routing.fallback === 'string' ? [routing.fallback] : (routing.fallback ?? []);
  const fallbackPath = (index: number) => (typeof routing.fallback === 'string' ? 'routing.fallback' : `routing.fallback[${index}]`);
  fallbacks.forEach((entry, index) => requireProvider(fallbackPath(index), parseProviderModel(entry).provider));
  routing.strategies.forEach((strategy, index) => requireProvider(`routing.strategies[${index}].provider`, strategy.provider));
  return problems;
}

function configuredList(known: Set<string>): string {
  if (known.size === 0) return ' (no providers are configured)';
  return ` (configured: ${[...known].join(', ')})`;
}
