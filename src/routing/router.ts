import type { RoutingConfig } from '../config/schema.js';
import { parseProviderModel } from './provider-model.js';

/** One provider to try, with the model name it should receive. */
export interface Candidate {
  provider: string;
  model: string;
  /** `strategy`, `primary`, `explicit` (`provider/model`) or `fallback`. */
  reason: 'explicit' | 'strategy' | 'primary' | 'fallback';
  /** For `reason: 'strategy'`: the index of the strategy in `routing.strategies` (whose own settings, such as `savings:`, apply). */
  strategy?: number;
}

interface CompiledStrategy {
  provider: string;
  patterns: RegExp[];
}

/**
 * Decides which providers a model goes to, in order. Globs are compiled once
 * here, at config load; `candidatesFor` does no allocation beyond its answer.
 */
export class Router {
  private readonly strategies: CompiledStrategy[];
  private readonly fallbacks: Array<{ provider: string; model?: string }>;
  private readonly aliases: ReadonlyMap<string, string>;

  constructor(
    private readonly routing: RoutingConfig,
    private readonly providerNames: ReadonlySet<string>,
  ) {
    this.strategies = routing.strategies.map((strategy) => ({ provider: strategy.provider, patterns: strategy.models.map(compileGlob) }));
    const entries = typeof routing.fallback === 'string' ? [routing.fallback] : (routing.fallback ?? []);
    this.fallbacks = entries.map(parseProviderModel);
    this.aliases = new Map(Object.entries(routing.aliases));
  }

  /** The chosen provider first, then the fallbacks; empty when nothing routes this model. An alias is routed as the name it stands for. */
  candidatesFor(requestedModel: string): Candidate[] {
    const chosen = this.choose(this.aliases.get(requestedModel) ?? requestedModel);
    if (!chosen) return [];
    const candidates = [chosen];
    for (const fallback of this.fallbacks) {
      const model = fallback.model ?? chosen.model;
      if (!candidates.some((candidate) => candidate.provider === fallback.provider && candidate.model === model)) {
        candidates.push({ provider: fallback.provider, model, reason: 'fallback' });
      }
    }
    return candidates;
  }

  /** Human-readable routing table, for the start-up line. */
  describe(): string {
    const lines = [...this.aliases].map(([alias, target]) => `${alias} = ${target}`);
    lines.push(...this.routing.strategies.map((strategy) => `${strategy.models.join(', ')} → ${strategy.provider}`));
    if (this.routing.primary) lines.push(`anything else → ${this.routing.primary}`);
    const fallbackEntries = typeof this.routing.fallback === 'string' ? [this.routing.fallback] : (this.routing.fallback ?? []);
    if (fallbackEntries.length > 0) lines.push(`on failure → ${fallbackEntries.join(', then ')}`);
    lines.push('provider/model → that provider');
    return lines.join('; ');
  }

  private choose(requestedModel: string): Candidate | undefined {
    const explicit = parseProviderModel(requestedModel);
    if (explicit.model !== undefined && this.providerNames.has(explicit.provider)) {
      return { provider: explicit.provider, model: explicit.model, reason: 'explicit' };
    }
    for (const [index, strategy] of this.strategies.entries()) {
      if (strategy.patterns.some((pattern) => pattern.test(requestedModel))) {
        return { provider: strategy.provider, model: requestedModel, reason: 'strategy', strategy: index };
      }
    }
    return this.routing.primary ? { provider: this.routing.primary, model: requestedModel, reason: 'primary' } : undefined;
  }
}


export function compileGlob(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}
