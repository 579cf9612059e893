import type { FinishReason } from '../../core/types.js';

/** Anthropic's `stop_reason` → OpenAI's `finish_reason`. */
export function mapAnthropicStopReason(stopReason: string | null | undefined, { jsonTool }: { jsonTool: boolean }): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      // In JSON mode the forced `json` tool carries the answer; for the client it is plain content.
      return jsonTool ? 'stop' : 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
