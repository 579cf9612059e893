/** Which requests a read covers: a time range (Unix ms, `until` excluded) and exact matches. */
export interface RequestFilter {
  since: number;
  until?: number;
  provider?: string;
  model?: string;
  /** A virtual key's name or a key's id. */
  key?: string;
  /** Exactly this key id: what a virtual key reading its own usage is held to. */
  keyId?: string;
  /** Inclusive: `200` is 200–200, `4xx` is 400–499. */
  status?: { min: number; max: number };
  cache?: string;
  api?: string;
}

/** One request as the admin API shows it (the ledger holds no prompt text). */
export interface RequestListRow {
  id: number;
  /** Unix ms. */
  time: number;
  request_id: string;
  api: string | null;
  /** The virtual key's name, else the key's id. */
  key: string;
  user: string | null;
  provider: string | null;
  model: string;
  status: number;
  cache: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  saved_usd: number | null;
  saved_tokens: number;
  latency_ms: number;
}

export type SeriesGrouping = 'none' | 'provider' | 'model' | 'key';

/** One hour of one group's requests. */
export interface HourlyTotals {
  /** Hours since 1970 (UTC). */
  hour: number;
  group: string | null;
  requests: number;
  errors: number;
  cost_usd: number;
  saved_usd: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_hits: number;
}

/** How many requests of one hour and group took a latency in one histogram bin (see latency-histogram.ts). */
export interface HourlyLatencyBin {
  hour: number;
  group: string | null;
  bin: number;
  requests: number;
}

/** Known spend of one key, from the ledger. */
export interface KeySpend {
  keyId: string;
  keyName: string | null;
  spent: number;
}

/**
 * The dashboard's reads of the ledger. Each is bounded: a time range, and a
 * LIMIT or a GROUP BY whose output is hours × groups.
 */
export interface LedgerReads {
  /** The newest `limit` requests that match, below the id `before` when given, newest first. */
  requests(filter: RequestFilter, limit: number, before?: number): Promise<RequestListRow[]>;
  /** Whether more than `count` requests match below `before`. */
  hasMoreThan(filter: RequestFilter, count: number, before?: number): Promise<boolean>;
  /** The id above every row written so far: a listing paged below it ignores rows written while it is read. */
  nextId(): Promise<number>;
  /** Totals per UTC hour and group, oldest hour first. Costs and savings sum the rows that know them (0 when none does). */
  hourlyTotals(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyTotals[]>;
  /** Latency histograms per UTC hour and group: counts per logarithmic bin (latency-histogram.ts). */
  hourlyLatencyBins(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyLatencyBin[]>;
  /** Known spend since `since` per key, the largest first, at most `limit` keys. */
  spendByKey(since: number, limit: number): Promise<KeySpend[]>;
}
