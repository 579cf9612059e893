import { z } from 'zod';
import { loggingSchema, metricsSchema, tracingSchema, webhookSchema } from './observability-schema.js';
import { paramRulesSchema } from '../models/param-rules-schema.js';
import { modelRatesSchema } from '../usage/price-schema.js';
import { authSchema, configuredKeySchema, rateLimitsSchema, stateSchema } from './tenancy-schema.js';
import { savingsSchema } from './savings-schema.js';

const positiveInt = z.number().int().positive();

/** An empty value (e.g. `${VAR:-}` with VAR unset) reads as "not configured", not as an empty credential. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const circuitBreakerSchema = z.strictObject({
  failure_threshold: positiveInt.default(5),
  error_rate: z.number().gt(0).max(1).default(0.5),
  min_requests: positiveInt.default(20),
  window_ms: positiveInt.default(60_000),
  cooldown_ms: positiveInt.default(30_000),
  half_open_requests: positiveInt.default(1),
});

const healthCheckSchema = z.strictObject({
  enabled: z.boolean().optional(),
  interval_ms: positiveInt.default(30_000),
  timeout_ms: positiveInt.default(5_000),
});

const retryBudgetSchema = z.strictObject({
  ratio: z.number().min(0).max(1).default(0.2),
  window_ms: positiveInt.default(10_000),
  min_retries: z.number().int().min(0).default(3),
});

export const providerSchema = z.looseObject({
  type: z.string().min(1),
  api_key: optionalText,
  /** Without its own `api_key`, send the client's key upstream. Off by default: a client's key goes only where the operator says. */
  forward_client_key: z.boolean().default(false),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  models: z.array(z.string().min(1)).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeout_ms: positiveInt.default(600_000),
  connect_timeout_ms: positiveInt.default(10_000),
  first_byte_timeout_ms: positiveInt.default(600_000),
  idle_timeout_ms: positiveInt.default(300_000),
  /** A successful non-stream answer larger than this fails (502) instead of being held in memory. */
  max_response_bytes: positiveInt.default(32 * 1024 * 1024),
  max_retries: z.number().int().min(0).max(10).default(2),
  retry_base_delay_ms: positiveInt.default(250),
  retry_max_delay_ms: positiveInt.default(10_000),
  retry_budget: retryBudgetSchema.default(() => retryBudgetSchema.parse({})),
  circuit_breaker: circuitBreakerSchema.default(() => circuitBreakerSchema.parse({})),
  health_check: healthCheckSchema.default(() => healthCheckSchema.parse({})),
  /** Streams hold a connection for their whole length, so the pool is sized for many at once. */
  max_connections: positiveInt.default(1024),
  chars_per_token: z.number().positive().default(4),
  /** OpenAI-format types: ask for usage in every stream (so its cost is known), hiding it from clients that did not ask. */
  stream_usage: z.boolean().default(true),
  /** `openai-compatible` servers that serve `/v1/responses` (vLLM, Ollama): the Responses door's requests pass through to them untouched. */
  responses_api: z.boolean().optional(),
});

const strategySchema = z.strictObject({
  provider: z.string().min(1),
  models: z.array(z.string().min(1)).min(1),
  /** This route's own `savings:` settings, over the global ones. */
  savings: savingsSchema.optional(),
});

const routingSchema = z.strictObject({
  primary: z.string().min(1).optional(),
  fallback: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  strategies: z.array(strategySchema).default([]),
  /** Requested model names mapped to the model to use (optionally `provider/model`), before any other routing: agent CLIs hard-code their model names. */
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
});

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8766),
  max_body_bytes: positiveInt.default(10 * 1024 * 1024),
  shutdown_grace_ms: z.number().int().min(0).default(30_000),
  /** A client must send its whole request (headers and body) within this; a slower one gets 408. */
  request_timeout_ms: positiveInt.default(60_000),
  /** Worker processes sharing the port (node:cluster); more than one needs `state.backend: redis`. */
  workers: positiveInt.max(256).default(1),
});

/** Model names map to rates; `update_url` and `cache_path` are the two settings among them. */
const pricingSchema = z
  .object({
    update_url: z.url({ protocol: /^https?$/ }).optional(),
    cache_path: z.string().min(1).default('./tokenpak-pricing.json'),
  })
  .catchall(modelRatesSchema);

const usageSchema = z
  .strictObject({
    /** `sqlite`: the ledger in `db_path`, one per replica. `postgres`: one ledger shared by every replica, at `postgres_url`. */
    backend: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** The SQLite file of the usage ledger, relative to the config file (with `postgres`, the local spool); ":memory:" keeps it in memory (tests). */
    db_path: z.string().min(1).default('./tokenpak-usage.db'),
    postgres_url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      // Its own text never goes into the message: it holds the password.
      .refine((url) => URL.canParse(url), 'is not a URL that can be read (a port must be a number; a password with @, : or / must be percent-encoded)')
      .optional(),
    /** Connections to PostgreSQL: writes use all but one, which is kept for reads. */
    pool_size: z.number().int().min(2).max(100).default(10),
    /** Days raw rows are kept; the hourly rollups are kept for good. At least 31: budgets resume from this month's rows. */
    retention_days: z.number().int().min(31).default(90),
    /** With `postgres`: the most rows the local spool holds while PostgreSQL cannot be reached. */
    spool_max_rows: positiveInt.default(1_000_000),
  })
  .refine((usage) => usage.backend !== 'postgres' || usage.postgres_url !== undefined, {
    message: 'usage.backend: postgres needs usage.postgres_url (postgres://user:password@host:5432/database)',
    path: ['postgres_url'],
  });

const costControlSchema = z.strictObject({
  daily_limit_usd: z.number().positive().optional(),
  per_request_limit_usd: z.number().positive().optional(),
  per_key_daily_limit_usd: z.number().positive().optional(),
  per_user_daily_limit_usd: z.number().positive().optional(),
  /** With a budget on, a request that sets no output limit is given this one, so that its worst case is known. */
  default_max_output_tokens: positiveInt.default(4096),
  /** With a budget on, whether a request to a model with no known price is rejected (its cost cannot be bounded) or let through. */
  unpriced: z.enum(['reject', 'allow']).default('reject'),
  /** With a budget on, whether a request that gives the provider tools it runs itself (web search, code execution, MCP) is rejected (their cost cannot be bounded in advance) or let through. */
  provider_tools: z.enum(['reject', 'allow']).default('reject'),
});

const cacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Seconds an answer stays cached; `x-tokenpak-cache-ttl` sets it per request. */
  ttl: z.number().int().min(0).default(3600),
  max_entries: positiveInt.default(10_000),
  /** `key`: each client key (its hash) has a cache of its own; `global`: every client shares one. */
  scope: z.enum(['key', 'global']).default('key'),
  /** 16 MiB: the cache is most of the gateway's memory once full, and a small container should not have to say so. */
  max_bytes: positiveInt.default(16 * 1024 * 1024),
});

const responseStoreSchema = z.strictObject({
  max_entries: positiveInt.default(1000),
  /** Kept conversations are whole prompts: bounded in bytes as well as in number. */
  max_bytes: positiveInt.default(32 * 1024 * 1024),
  ttl_seconds: positiveInt.default(3600),
});

/** The `/v1/responses` door: what it keeps so that `previous_response_id` works when a request is translated for a provider that does not speak Responses. */
const responsesSchema = z.strictObject({
  store: responseStoreSchema.default(() => responseStoreSchema.parse({})),
});

/** A model's own settings: which parameters it takes (replacing the shipped rules for it; `params: {}` sends everything as it comes). */
const modelSettingsSchema = z.strictObject({
  params: paramRulesSchema,
});

/** What a parameter value a model cannot take does to the request: dropped (named in `x-tokenpak-dropped-params`), or a 400. */
const paramsSchema = z.strictObject({
  unsupported: z.enum(['drop', 'reject']).default('drop'),
});

const adminSchema = z.strictObject({
  api_key: optionalText,
});

export const configSchema = z.strictObject({
  server: serverSchema.default(() => serverSchema.parse({})),
  logging: loggingSchema.default(() => loggingSchema.parse({})),
  metrics: metricsSchema.default(() => metricsSchema.parse({})),
  webhooks: z.array(webhookSchema).default([]),
  tracing: tracingSchema.default(() => tracingSchema.parse({})),
  admin: adminSchema.default(() => adminSchema.parse({})),
  pricing: pricingSchema.default(() => pricingSchema.parse({})),
  usage: usageSchema.default(() => usageSchema.parse({})),
  models: z.record(z.string().min(1), modelSettingsSchema).default({}),
  params: paramsSchema.default(() => paramsSchema.parse({})),
  cost_control: costControlSchema.default(() => costControlSchema.parse({})),
  cache: cacheSchema.default(() => cacheSchema.parse({})),
  savings: savingsSchema.default({}),
  responses: responsesSchema.default(() => responsesSchema.parse({})),
  providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names use letters, digits, "_", "-" and "."'), providerSchema),
  routing: routingSchema.default(() => routingSchema.parse({})),
  rate_limits: rateLimitsSchema.default(() => rateLimitsSchema.parse({})),
  auth: authSchema.default(() => authSchema.parse({})),
  keys: z.array(configuredKeySchema).default([]),
  state: stateSchema.default(() => stateSchema.parse({})),
  adapters: z.record(z.string(), z.string().min(1)).default({}),
  hooks: z.array(z.string().min(1)).default([]),
});

type ModelRatesInput = z.input<typeof modelRatesSchema>;

/** `pricing:` as written: model names to rates, plus its two settings (which zod's inferred index signature cannot express). */
export interface PricingInput {
  update_url?: string;
  cache_path?: string;
  [model: string]: ModelRatesInput | string | undefined;
}

/** proxy.yaml as written by a user, before defaults are filled. */
export type ConfigInput = Omit<z.input<typeof configSchema>, 'pricing'> & { pricing?: PricingInput };
/** proxy.yaml after validation, with every default filled. */
export type GatewayConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type RoutingConfig = GatewayConfig['routing'];
/** `pricing:` after validation: model names to rates, beside its two settings. */
export interface PricingConfig {
  update_url?: string;
  cache_path: string;
  [model: string]: z.output<typeof modelRatesSchema> | string | undefined;
}
export type CostControlConfig = GatewayConfig['cost_control'];
export type CircuitBreakerConfig = ProviderConfig['circuit_breaker'];
export type RetryBudgetConfig = ProviderConfig['retry_budget'];
