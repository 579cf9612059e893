import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * `savings:` (globally, and per routing strategy as `routing.strategies[].savings`):
 * what the gateway does to cut what a request is billed. Every key is optional
 * so that a strategy overrides only what it names; `resolveSavings` fills the
 * defaults (docs/savings.md).
 */
export const savingsSchema = z.strictObject({
  /**
   * Prompt-cache breakpoints on requests to Anthropic that carry none of their
   * own. Unset: on for requests the gateway translates, off for `/v1/messages`
   * passed through as the client sent it; `auto` set explicitly covers those too.
   */
  anthropic_cache: z.enum(['auto', 'off']).optional(),
  /** How long the breakpoints the gateway places are kept (writes with `1h` are billed at 2× input, not 1.25×). */
  anthropic_cache_ttl: z.enum(['5m', '1h']).optional(),
  /** A stable `prompt_cache_key` per conversation on requests to OpenAI that send none. */
  openai_prompt_cache_key: z.enum(['auto', 'off']).optional(),
  /** Lossless: JSON in messages and tool results minified when it parses (only insignificant whitespace goes). */
  compact_json: z.boolean().optional(),
  /** Lossless for a reader, off by default (it saved 0.02% of the benchmark's tokens): trailing spaces and runs of blank lines outside code blocks trimmed. */
  trim_whitespace: z.boolean().optional(),
  /** Lossy, off unless set: tool outputs older than the last N user turns replaced by a short placeholder. */
  elide_tool_outputs_after_turns: positiveInt.optional(),
  /** Lossy, off unless set: a tool output longer than this many characters keeps its head and tail, with a marker between. */
  truncate_tool_outputs_over_chars: z.number().int().min(200).optional(),
});

export type SavingsInput = z.input<typeof savingsSchema>;
export type SavingsConfig = z.output<typeof savingsSchema>;

/** What the compaction step does to a request's text (see savings/compact-chat-request.ts). */
export interface CompactionSettings {
  readonly json: boolean;
  readonly whitespace: boolean;
  /** Lossy: tool outputs before the last N user turns elided; undefined: off. */
  readonly elideToolOutputsAfterTurns: number | undefined;
  /** Lossy: tool outputs longer than this cut to head and tail; undefined: off. */
  readonly truncateToolOutputsOverChars: number | undefined;
}

/** The savings settings of one route, every default filled. */
export interface SavingsSettings {
  /** `translated`: breakpoints on translated requests only (the default); `auto`: on passed-through `/v1/messages` too. */
  readonly anthropicCache: 'translated' | 'auto' | 'off';
  readonly anthropicCacheTtl: '5m' | '1h';
  readonly openaiPromptCacheKey: boolean;
  readonly compaction: CompactionSettings;
}

/** A strategy's `savings:` over the global one, over the defaults. */
export function resolveSavings(global: SavingsConfig, route: SavingsConfig | undefined): SavingsSettings {
  const merged = { ...global, ...definedOnly(route) };
  return {
    anthropicCache: merged.anthropic_cache ?? 'translated',
    anthropicCacheTtl: merged.anthropic_cache_ttl ?? '5m',
    openaiPromptCacheKey: merged.openai_prompt_cache_key !== 'off',
    compaction: {
      json: merged.compact_json ?? true,
      whitespace: merged.trim_whitespace ?? false,
      elideToolOutputsAfterTurns: merged.elide_tool_outputs_after_turns,
      truncateToolOutputsOverChars: merged.truncate_tool_outputs_over_chars,
    },
  };
}

function definedOnly(config: SavingsConfig | undefined): SavingsConfig {
  if (!config) return {};
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as SavingsConfig;
}
