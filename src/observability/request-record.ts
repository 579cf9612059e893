import type { DoorApi } from '../core/door-api.js';

/** One upstream attempt, as the audit trail keeps it. */
export interface AttemptRecord {
  provider: string;
  model: string;
  /** `ok`, a failure kind (`failed`, `timeout`, `rate_limited`, `client_error`, `aborted`, `internal`), or `skipped` (breaker open, forced down). */
  outcome: string;
  /** The status the client would have had from this attempt alone. */
  status: number;
  /** What the provider answered, when it answered. */
  upstream_status: number | null;
  duration_ms: number;
}

/**
 * What the gateway knows of one request once it has ended: the audit log's
 * line, the webhooks' record, and what the metrics count. Only ids, names,
 * numbers and hashes: never a key, never prompt or answer text (see
 * `RecordContent`), never an upstream's message.
 */
export interface RequestRecord {
  /** When the request ended (ISO 8601). */
  time: string;
  request_id: string;
  /** The door the request came in through. */
  api: DoorApi;
  /** The client's virtual key's id, else a short hash of its key; never the key. */
  key_id: string;
  /** The virtual key's name; null without one. Always set by the gateway (optional only for records made elsewhere). */
  key_name?: string | null;
  user: string | null;
  provider: string | null;
  /** The provider's type (`anthropic`, `openai`, ...), when a provider was chosen. */
  provider_type: string | null;
  /** The model the client asked for. */
  model_requested: string;
  /** The model that answered: the provider's own name for it when it said, else the routed model; null when none answered. */
  model_served: string | null;
  /** SHA-256 (hex) of the canonical prompt: equal prompts have equal hashes, whichever door they came through. */
  prompt_hash: string | null;
  stream: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  /** Prompt tokens read from the provider's prompt cache (part of `prompt_tokens`). */
  cached_read_tokens: number;
  /** Prompt tokens written to the provider's prompt cache (part of `prompt_tokens`). */
  cached_write_tokens: number;
  /**
   * The answer's generated text, in characters; null for a stream relayed as
   * the provider sent it (its bytes are not read) that ended with the
   * provider's usage.
   */
  response_chars: number | null;
  /** In USD; null when the model's price is unknown. */
  cost_usd: number | null;
  /**
   * What the gateway's rewrites (prompt-cache breakpoints, compaction) saved, in
   * USD, against the same request without them at list price; negative when a
   * turn only wrote a prompt cache (it paid the write premium); null when the
   * model's price is unknown; 0 for a response-cache hit. Always set by the
   * gateway (optional only for records made elsewhere).
   */
  saved_usd?: number | null;
  /** Prompt tokens the gateway kept from being billed at the full input rate: compacted away, or read from a cache it placed. Always set by the gateway. */
  saved_tokens?: number;
  /** From the request's arrival to its end (a stream's last byte). */
  latency_ms: number;
  /** A stream's first generated text (content, reasoning or tool call arguments), from the request's arrival; null for answers that are not streamed, or that streamed none. */
  ttft_ms: number | null;
  /** Time spent waiting on upstream attempts (a stream's: until its headers). */
  upstream_ms: number;
  /** The gateway's own time: until the answer was handed to the door (a stream's: until it started), upstream waits excluded. */
  overhead_ms: number;
  /** The response cache's verdict; null when it is off. */
  cache: 'hit' | 'miss' | 'bypass' | null;
  /** The status the request ended with (499: the client went away). */
  status: number;
  /** The error's type and code (e.g. `budget_exceeded` / `daily_limit_exceeded`) when it failed; null when it did not. */
  error_type: string | null;
  error_code: string | null;
  attempts: AttemptRecord[];
}

/** A request's text: only ever given to the audit log, and only with `logging.include_content: true`. */
export interface RecordContent {
  /** The canonical request's messages (chat) or input (embeddings). */
  prompt: unknown;
  /** The answer's text, when there was one; null for embeddings and failures. */
  response: string | null;
}

/**
 * Something that hears of every request when it ends: the metrics, the audit
 * log and the webhooks. Called on the request path after the ledger row is
 * written, so it must return at once and never throw: queue, do not send.
 */
export interface RequestObserver {
  requestEnded(record: RequestRecord, content: RecordContent | undefined): void;
}
