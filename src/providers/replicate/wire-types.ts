/** Replicate's predictions API, as far as the gateway uses it. */

export interface ReplicateInput {
  prompt: string;
  /** "{prompt}": the gateway applies the chat template itself. */
  prompt_template: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  /** Comma-separated, as Replicate's Llama models take them. */
  stop_sequences?: string;
}

export interface ReplicatePredictionRequest {
  input: ReplicateInput;
  stream?: boolean;
  /** For community models named `owner/name:version`. */
  version?: string;
}

export type ReplicateStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

export interface ReplicatePrediction {
  id: string;
  model?: string;
  status: ReplicateStatus;
  /** Language models answer with the list of generated pieces. */
  output?: string[] | string | null;
  error?: string | null;
  metrics?: { input_token_count?: number; output_token_count?: number };
  urls?: { get?: string; stream?: string; cancel?: string };
}
