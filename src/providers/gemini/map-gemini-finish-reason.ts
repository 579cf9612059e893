import type { FinishReason } from '../../core/types.js';

const filtered = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** Gemini's `finishReason` → OpenAI's `finish_reason`. A reply with function calls ends in STOP too. */
export function mapGeminiFinishReason(finishReason: string | undefined, calledTools: boolean): FinishReason {
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (finishReason && filtered.has(finishReason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}
