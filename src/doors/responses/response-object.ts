import { reportedCount } from '../../core/reported-count.js';
import type { FinishReason, Usage } from '../../core/types.js';

/** What both encoders need to know of the response they write. */
export interface ResponsesEncodeOptions {
  /** `resp_...`; output item ids derive from it. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The client's Responses request, whose settings the response echoes. */
  request: Record<string, unknown>;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseState {
  status: ResponseStatus;
  model: string;
  output: unknown[];
  usage: Usage | null | undefined;
  finishReason?: FinishReason | null;
  error?: { code: string; message: string } | null;
}

/** A Responses `Response` object, with the request's settings echoed (OpenAI's defaults where the client sent none). */
export function responseObject({ id, createdAt, request }: ResponsesEncodeOptions, state: ResponseState): Record<string, unknown> {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.status === 'incomplete' ? { reason: incompleteReason(state.finishReason) } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: state.model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: request.reasoning ?? { effort: null, summary: null },
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: request.text ?? { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    usage: responsesUsage(state.usage),
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

/** A chat finish reason → the status of the response it ends. */
export function statusOfFinish(finishReason: FinishReason | null | undefined): ResponseStatus {
  return finishReason === 'length' || finishReason === 'content_filter' ? 'incomplete' : 'completed';
}

function incompleteReason(finishReason: FinishReason | null | undefined): string {
  return finishReason === 'content_filter' ? 'content_filter' : 'max_output_tokens';
}

/** Canonical usage → Responses usage; `prompt_tokens` already counts cached reads and cache writes, as `input_tokens` does. */
export function responsesUsage(usage: Usage | null | undefined): Record<string, unknown> | null {
  if (!usage) return null;
  const prompt = usage.prompt_tokens_details ?? {};
  const cacheWrites = reportedCount(prompt.cache_write_tokens) + reportedCount(prompt.cache_write_1h_tokens);
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: reportedCount(prompt.cached_tokens), cache_write_tokens: cacheWrites },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: reportedCount(usage.completion_tokens_details?.reasoning_tokens) },
    total_tokens: usage.total_tokens,
  };
}
