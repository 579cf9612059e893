import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { describeImportFailure, importConfiguredModule } from '../config/load-module.js';
import type { LoadedConfig } from '../config/load.js';
import type { BuiltinTypes } from '../config/references.js';
import type { ProviderConfig } from '../config/schema.js';
import type { AdapterClass, AdapterLogger, BaseAdapter } from './base-adapter.js';
import { AnthropicAdapter } from './anthropic/anthropic-adapter.js';
import { GeminiAdapter } from './gemini/gemini-adapter.js';
import { HuggingFaceAdapter } from './huggingface/huggingface-adapter.js';
import { OllamaAdapter } from './ollama/ollama-adapter.js';
import { OpenAIAdapter } from './openai/openai-adapter.js';
import { ReplicateAdapter } from './replicate/replicate-adapter.js';

interface BuiltinProvider {
  adapter: AdapterClass;
  requiresBaseUrl: boolean;
  /** Active health checks are on by default for servers one runs oneself, off for services that bill and rate-limit per call. */
  healthCheckByDefault: boolean;
}

/** Provider types that ship with TokenPak. A new one is one folder plus one line here. */
const builtinProviders = new Map<string, BuiltinProvider>([
  ['openai', { adapter: OpenAIAdapter, requiresBaseUrl: false, healthCheckByDefault: false }],
  ['openai-compatible', { adapter: OpenAIAdapter, requiresBaseUrl: true, healthCheckByDefault: true }],
  ['ollama', { adapter: OllamaAdapter, requiresBaseUrl: false, healthCheckByDefault: true }],
  ['anthropic', { adapter: AnthropicAdapter, requiresBaseUrl: false, healthCheckByDefault: false }],
  ['gemini', { adapter: GeminiAdapter, requiresBaseUrl: false, healthCheckByDefault: false }],
  ['replicate', { adapter: ReplicateAdapter, requiresBaseUrl: false, healthCheckByDefault: false }],
  ['huggingface', { adapter: HuggingFaceAdapter, requiresBaseUrl: false, healthCheckByDefault: false }],
]);

/** Whether a provider is health-checked: its `health_check.enabled`, else its type's default (custom types: off). */
export function healthCheckEnabled(options: ProviderConfig): boolean {
  return options.health_check.enabled ?? builtinProviders.get(options.type)?.healthCheckByDefault ?? false;
}

export const builtinTypes: BuiltinTypes = builtinProviders;

/** One adapter instance per configured provider, custom types loaded from their modules. */
export async function createAdapters(loaded: LoadedConfig, logger: AdapterLogger): Promise<Map<string, BaseAdapter>> {
  const custom = await loadCustomAdapters(loaded);
  const adapters = new Map<string, BaseAdapter>();
  for (const [name, options] of Object.entries(loaded.config.providers)) {
    const Adapter = builtinProviders.get(options.type)?.adapter ?? custom.get(options.type);
    if (!Adapter) throw new Error(`provider type "${options.type}" passed validation but has no adapter`);
    adapters.set(name, new Adapter(name, options, logger));
  }
  return adapters;
}

async function loadCustomAdapters(loaded: LoadedConfig): Promise<Map<string, AdapterClass>> {
  const problems: ConfigProblem[] = [];
  const classes = new Map<string, AdapterClass>();
  for (const [type, specifier] of Object.entries(loaded.config.adapters)) {
    const keyPath = `adapters.${type}`;
    try {
      const module = await importConfiguredModule(specifier, loaded.baseDir);
      const Adapter = module.default;
      if (!isAdapterClass(Adapter)) {
        problems.push({
          path: keyPath,
          message: `${specifier} must default-export a class extending BaseAdapter (with sendRequest and countTokens)`,
          line: loaded.locateLine(keyPath),
        });
      } else {
        classes.set(type, Adapter);
      }
    } catch (error) {
      problems.push({ path: keyPath, message: `cannot load ${specifier}: ${describeImportFailure(error)}`, line: loaded.locateLine(keyPath) });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, loaded.file);
  return classes;
}

/** Checked by shape, not `instanceof`: the module may import BaseAdapter from another copy of the package. */
function isAdapterClass(value: unknown): value is AdapterClass {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: Record<string, unknown> }).prototype;
  return typeof prototype?.sendRequest === 'function' && typeof prototype.countTokens === 'function';
}
