/** The shapes of the /admin/ answers the page reads (docs/api.md). */

export interface RequestRow {
  id: number;
  time: string;
  request_id: string;
  api: string;
  key: string | null;
  user: string | null;
  provider: string | null;
  model: string | null;
  status: number;
  cache: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  saved_usd: number | null;
  saved_tokens: number | null;
  latency_ms: number | null;
}

export interface RequestPage {
  data: RequestRow[];
  next_before: number | null;
}

export interface HourBucket {
  hour: string;
  group: string | null;
  requests: number;
  errors: number;
  cost_usd: number;
  saved_usd: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_hits: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

export interface TimeSeries {
  since: string;
  data: HourBucket[];
}

export interface Budgets {
  day_start: string;
  daily_limit_usd: number | null;
  spent_today_usd: number;
  per_key: Array<{ key: string; key_id: string; daily_limit_usd: number | null; spent_usd: number }>;
}

export interface ProviderState {
  name: string;
  type?: string;
  state: string;
  forced: string | null;
  breaker: { state: string };
  latency_ms: { p50: number | null; p95: number | null; samples: number };
  error_rate: number | null;
}

export interface VirtualKey {
  id: string;
  name: string;
  hint: string;
  budget: { daily_usd?: number; monthly_usd?: number } | null;
  rate_limits?: { rpm?: number; tpm?: number } | null;
  created_at: string;
  revoked_at: string | null;
  source: string;
  status: string;
}

export interface List<T> {
  data: T[];
}
