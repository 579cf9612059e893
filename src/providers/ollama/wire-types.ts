/** Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`), as far as the gateway uses it. */

export interface OllamaToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Base64 without a data: prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** On a `tool` message: the function whose result this is. */
  tool_name?: string;
  thinking?: string;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
  format?: 'json' | Record<string, unknown>;
  options?: {
    temperature?: number;
    top_p?: number;
    top_k?: number;
    seed?: number;
    stop?: string[];
    num_predict?: number;
    frequency_penalty?: number;
    presence_penalty?: number;
  };
}

export interface OllamaChatResponse {
  model: string;
  created_at: string;
  message?: OllamaMessage;
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
}

export interface OllamaEmbedResponse {
  model: string;
  embeddings: number[][];
  prompt_eval_count?: number;
}

export interface OllamaTagsResponse {
  models?: Array<{ name?: string; model?: string }>;
}
