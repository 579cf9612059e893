import type { FinishReason } from '../../core/types.js';

/** What the answer holds beyond its finish reason, which some providers report loosely. */
export interface AnswerShape {
  /** The model refused: OpenAI's `refusal` field. */
  refused: boolean;
  /** The answer holds tool calls. */
  calledTools: boolean;
}

/**
 * Canonical `finish_reason` → Anthropic's `stop_reason`. A refusal reads as
 * `refusal` whatever the finish; tool calls that finished with `stop` (some
 * OpenAI-compatible servers) read as `tool_use`, since agent clients run the
 * tools only on that stop reason.
 */
export function toMessagesStopReason(finishReason: FinishReason | null | undefined, answer: AnswerShape): string {
  if (answer.refused) return 'refusal';
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
      return answer.calledTools ? 'tool_use' : 'end_turn';
    default:
      return 'end_turn';
  }
}
