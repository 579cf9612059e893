import type { ChatRequest } from '../../core/types.js';
import { definedOnly } from './defined-only.js';

/** The sampling settings of an OpenAI request that most providers take under names of their own. */
export interface Sampling {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Not OpenAI's own (it refuses it): Anthropic's, which the Messages door carries over. */
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Never empty when present. */
  stop?: string[];
}

/** Reads them once, the same way for every provider: `max_completion_tokens` wins over `max_tokens`, a single `stop` becomes a list. */
export function samplingOf(req: ChatRequest): Sampling {
  const stop = typeof req.stop === 'string' ? [req.stop] : Array.isArray(req.stop) ? req.stop : [];
  return definedOnly({
    maxTokens: numberOrUndefined(req.max_completion_tokens ?? req.max_tokens),
    temperature: numberOrUndefined(req.temperature),
    topP: numberOrUndefined(req.top_p),
    topK: numberOrUndefined(req.top_k),
    seed: numberOrUndefined(req.seed),
    presencePenalty: numberOrUndefined(req.presence_penalty),
    frequencyPenalty: numberOrUndefined(req.frequency_penalty),
    stop: stop.length > 0 ? stop : undefined,
  });
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
