/**
 * OpenAI's Responses API (`POST /v1/responses`), as far as the gateway reads
 * it: the answer's output items and usage, and the stream events that carry
 * output, usage, the end and errors. Everything else (other item and event
 * types among them) passes through unread.
 */

export interface ResponsesUsage {
  /** Includes the cached tokens. */
  input_tokens?: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  /** Includes the reasoning tokens. */
  output_tokens?: number;
  output_tokens_details?: { reasoning_tokens?: number } | null;
  total_tokens?: number;
}

export type ResponsesOutputItem =
  | { type: 'message'; id?: string; role?: 'assistant'; content?: Array<{ type: 'output_text'; text: string } | { type: 'refusal'; refusal: string }> }
  | { type: 'function_call'; id?: string; call_id: string; name: string; arguments: string }
  | { type: 'reasoning'; id?: string; summary?: Array<{ type: 'summary_text'; text: string }> };

export interface ResponsesError {
  code?: string | null;
  message?: string;
  param?: string | null;
}

export interface ResponsesResponse {
  id?: string;
  object?: 'response';
  created_at?: number;
  model?: string;
  status?: 'completed' | 'failed' | 'in_progress' | 'cancelled' | 'queued' | 'incomplete';
  output?: ResponsesOutputItem[];
  incomplete_details?: { reason?: 'max_output_tokens' | 'content_filter' | string } | null;
  error?: ResponsesError | null;
  usage?: ResponsesUsage | null;
}

export type ResponsesStreamEvent =
  | { type: 'response.created' | 'response.in_progress'; response: ResponsesResponse }
  | { type: 'response.completed' | 'response.incomplete' | 'response.failed'; response: ResponsesResponse }
  | { type: 'response.output_item.added'; output_index: number; item: ResponsesOutputItem }
  | { type: 'response.output_text.delta'; output_index: number; delta: string }
  | { type: 'response.refusal.delta'; output_index: number; delta: string }
  | { type: 'response.function_call_arguments.delta'; output_index: number; delta: string }
  | { type: 'response.reasoning_summary_text.delta'; output_index: number; delta: string }
  | ({ type: 'error'; error?: ResponsesError } & ResponsesError);
