import type { FinishReason } from '../../core/types.js';

/** Canonical `finish_reason` → Anthropic's `stop_reason`. */
export function toMessagesStopReason(finishReason: FinishReason | null | undefined): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
