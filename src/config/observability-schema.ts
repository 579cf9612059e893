import { z } from 'zod';

const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a URL path such as /metrics')
    .refine((path) => !/^\/(v1|admin)(\/|$)/.test(path) && !['/health', '/ready'].includes(path), 'must not be under /v1/ or /admin/, nor /health or /ready')
    .default('/metrics'),
  /** Models past this many distinct names are counted under `model="other"`, so that no client can grow the label set without bound. */
  max_models: positiveInt.default(100),
  /** Whether scraping needs the admin key (`Authorization: Bearer <admin.api_key>`). */
  require_admin_key: z.boolean().default(false),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json`: one JSON object a line; `pretty`: coloured lines for a person at a terminal. */
  format: z.enum(['json', 'pretty']).default('json'),
  stdout: z.boolean().default(true),
  /** Also write the log to this file, rotated by size. */
  file: z.string().min(1).optional(),
  /** A log file is rotated when it reaches this size. */
  max_bytes: positiveInt.default(100 * 1024 * 1024),
  /** Rotated files kept beside the current one; older ones are deleted. */
  max_files: positiveInt.default(5),
  /** Whether audit lines carry the prompt and the answer's text. Keys and secrets are never logged, whatever this says. */
  include_content: z.boolean().default(false),
});

export const webhookEvents = ['request', 'error', 'budget_exceeded', 'fallback'] as const;

export const webhookSchema = z.strictObject({
  url: httpUrl,
  /** Signs each batch (HMAC-SHA256); the receiver checks `x-tokenpak-signature` with it. */
  secret: z.string().min(16, 'must be at least 16 characters'),
  batch_size: positiveInt.max(10_000).default(100),
  flush_ms: positiveInt.default(5000),
  /** Which audit records are sent: every request, failed ones, budget rejections, or requests that failed over. */
  events: z.array(z.enum(webhookEvents)).min(1).default(['request']),
  /** Records waiting to be delivered; past this, the oldest are dropped (and counted). */
  max_queue: positiveInt.default(10_000),
  /** Deliveries of one batch before it is dropped. */
  max_attempts: positiveInt.max(20).default(5),
  timeout_ms: positiveInt.default(10_000),
});

export const tracingSchema = z.strictObject({
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Tracing is off without it. */
  otlp_endpoint: httpUrl.optional(),
  /** Headers sent with each export (an collector's API key). */
  headers: z.record(z.string(), z.string()).default({}),
  service_name: z.string().min(1).default('tokenpak'),
  /** The share of requests traced when the client sends no `traceparent`; a client's `traceparent` decides for itself (sampled: traced; not sampled: not). */
  sample_ratio: z.number().min(0).max(1).default(1),
});

export type MetricsConfig = z.output<typeof metricsSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type WebhookEvent = (typeof webhookEvents)[number];
export type TracingConfig = z.output<typeof tracingSchema>;
