import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Requests and tokens a minute; either may be left out. */
export const rateLimitSchema = z.strictObject({
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
});

/** Limits per key name or user: `default` applies to every key (or user) without a limit of its own. */
const namedLimitsSchema = z.record(z.string().min(1), rateLimitSchema);

export const rateLimitsSchema = z.strictObject({
  /** A request a provider cannot take now (its own limit) waits up to this long for it before failing over or being refused. */
  queue_ms: z.number().int().min(0).default(5_000),
  /** Requests waiting for providers at once, in this process; past it a request is refused at once rather than queued. */
  max_queued: positiveInt.default(1_000),
  /** Keep under each provider's own limits. */
  providers: namedLimitsSchema.default({}),
  /** Per client key: `default`, or a virtual key's name. */
  keys: namedLimitsSchema.default({}),
  /** Per user (`x-tokenpak-user`, the body's `user` or `metadata.user_id`): `default`, or a user's name. */
  users: namedLimitsSchema.default({}),
});

export const authSchema = z.strictObject({
  /** Every request must carry a valid virtual key (see `keys:` and `/admin/keys`); without one it gets 401. */
  require_keys: z.boolean().default(false),
});

const keyBudgetSchema = z.strictObject({
  daily_usd: z.number().positive().optional(),
  monthly_usd: z.number().positive().optional(),
});

/** A virtual key issued in proxy.yaml: the key itself (usually `${ENV}`) or its SHA-256, never both. */
export const configuredKeySchema = z
  .strictObject({
    name: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:@-]+$/, 'key names use letters, digits and "_", ".", ":", "@", "-"'),
    key: z.string().min(16, 'a key must be at least 16 characters').optional(),
    key_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lower-case hex')
      .optional(),
    /** Model globs the key may ask for; every model when left out. */
    models: z.array(z.string().min(1)).optional(),
    rate_limits: rateLimitSchema.optional(),
    budget: keyBudgetSchema.optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((key) => (key.key === undefined) !== (key.key_sha256 === undefined), { message: 'give exactly one of "key" and "key_sha256"' });

export const stateSchema = z.strictObject({
  /** `memory`: this process alone; `redis`: shared by every replica and worker. */
  backend: z.enum(['memory', 'redis']).default('memory'),
  redis_url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** Every key the gateway writes in Redis starts with this, so that several gateways can share one Redis. */
  key_prefix: z.string().min(1).default('tokenpak:'),
  /**
   * While Redis cannot be reached: `local` enforces limits and budgets in this
   * process, each divided by the replicas last seen; `open` lets requests
   * through unlimited; `closed` refuses them (503).
   */
  when_unreachable: z.enum(['local', 'open', 'closed']).default('local'),
});

export type RateLimitConfig = z.output<typeof rateLimitSchema>;
export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;
export type ConfiguredKey = z.output<typeof configuredKeySchema>;
export type StateConfig = z.output<typeof stateSchema>;
