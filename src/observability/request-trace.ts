import type { AttemptRecord, RequestRecord } from './request-record.js';

/** What a request's trace is started from: the door and the client's headers (for `traceparent`). */
export interface TraceStart {
  requestId: string;
  api: string;
  /** `chat` or `embeddings`: the GenAI operation. */
  operation: string;
  model: string;
  stream: boolean;
  /** The client's request headers, lower-cased: an incoming `traceparent` / `tracestate` is continued. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** `performance.timeOrigin + performance.now()` at the request's arrival, in ms since the epoch. */
  startTimeMs: number;
}

/** One upstream attempt's span: its headers go upstream with the attempt. */
export interface AttemptSpan {
  /** `traceparent` (and `tracestate`) naming this attempt's span, sent upstream with it. */
  readonly headers: Readonly<Record<string, string>>;
  end(attempt: AttemptRecord): void;
}

/** One request's span. */
export interface RequestSpan {
  attempt(provider: string, providerType: string, model: string): AttemptSpan;
  end(record: RequestRecord): void;
}

/** Starts a span per request when tracing is on; the gateway holds none when it is off, so that it costs nothing. */
export interface RequestTracer {
  start(request: TraceStart): RequestSpan | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}
