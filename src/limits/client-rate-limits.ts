import { createHash } from 'node:crypto';
import type { RateLimitConfig, RateLimitsConfig } from '../config/tenancy-schema.js';
import type { BucketDraw, BucketLevel } from '../state/limit-store.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import { rateLimitHeaders, retryAfterSeconds, type LimitStanding } from './rate-limit-headers.js';

export type ClientScope = 'key' | 'user';
export type LimitUnit = 'rpm' | 'tpm';

/** One client limit as it applies to a request: what it is called in a refusal, and its bucket's shape. */
export interface AppliedLimit {
  readonly scope: ClientScope;
  readonly unit: LimitUnit;
  readonly perMinute: number;
  /** Where the limit is set, e.g. `rate_limits.keys.default`. */
  readonly source: string;
}

/** The draws a request makes on the client limits, each with the limit it draws on (same order). */
export interface ClientDrawPlan {
  readonly draws: readonly BucketDraw[];
  readonly limits: readonly AppliedLimit[];
  /** The token (TPM) draws among `draws`: what the request settles when it ends. */
  readonly tokenDraws: readonly BucketDraw[];
}

/** Who a request is, as the client limits see it. */
export interface ClientIdentity {
  readonly keyId: string;
  readonly virtualKey: VirtualKeyRecord | undefined;
  readonly user: string | undefined;
}

interface SourcedLimit {
  readonly config: RateLimitConfig;
  readonly source: string;
}

const msPerMinute = 60_000;
/** Keys and users whose plans are kept: a few hundred clients in practice. */
const maxKnownPlans = 4096;

/** A plan as kept: the request-limit draws are shared by every request (they cost 1); the token draws are copied with each request's cost. */
interface StaticPlan extends ClientDrawPlan {
  readonly hasTokenLimit: boolean;
}
/** Users named by longer ids (or ids with the bucket separator) get their bucket under a digest, so that bucket ids stay short and unambiguous. */
const maxPlainUserLength = 64;

/**
 * Which key and user limits (`rate_limits.keys`, `rate_limits.users`, a
 * virtual key's own `rate_limits`) apply to a request, worked out from maps
 * built once per config.
 */
export class ClientRateLimits {
  private readonly keyLimits: ReadonlyMap<string, SourcedLimit>;
  private readonly userLimits: ReadonlyMap<string, SourcedLimit>;
  /** By key and user; null where no limit applies. Cleared when full, so it stays bounded. */
  private readonly plans = new Map<string, StaticPlan | null>();

  constructor(config: Pick<RateLimitsConfig, 'keys' | 'users'>) {
    this.keyLimits = sourcedLimits(config.keys, 'rate_limits.keys');
    this.userLimits = sourcedLimits(config.users, 'rate_limits.users');
  }

  /**
   * The draws the request makes: 1 from each request (RPM) bucket and
   * `tokens()` from each token (TPM) bucket; undefined when no limit applies.
   * `tokens` is asked only when a token limit applies.
   */
  plan(who: ClientIdentity, tokens: () => number): ClientDrawPlan | undefined {
    const cacheKey = who.user === undefined ? who.keyId : `${who.keyId}\n${who.user}`;
    let known = this.plans.get(cacheKey);
    if (known === undefined) {
      if (this.plans.size >= maxKnownPlans) this.plans.clear();
      known = this.planFor(who) ?? null;
      this.plans.set(cacheKey, known);
    }
    if (known === null || !known.hasTokenLimit) return known ?? undefined;
    // A request larger than the whole bucket takes it all, not more: its debt would hold others back for as long as it runs.
    const cost = tokens();
    const draws: BucketDraw[] = [];
    const tokenDraws: BucketDraw[] = [];
    for (let index = 0; index < known.draws.length; index++) {
      const draw = known.draws[index] as BucketDraw;
      if (known.limits[index]?.unit !== 'tpm') {
        draws.push(draw);
        continue;
      }
      const drawn = { id: draw.id, capacity: draw.capacity, refillPerMs: draw.refillPerMs, cost: Math.min(draw.capacity, cost) };
      draws.push(drawn);
      tokenDraws.push(drawn);
    }
    return { draws, limits: known.limits, tokenDraws };
  }

  /** Which limits apply to a key (and user), and their buckets: the same for every request of theirs, so worked out once. */
  private planFor(who: ClientIdentity): StaticPlan | undefined {
    const keyLimit = this.keyLimitOf(who.virtualKey);
    const userLimit = who.user === undefined ? undefined : (this.userLimits.get(who.user) ?? this.userLimits.get('default'));
    if (!keyLimit && !userLimit) return undefined;
    const draws: BucketDraw[] = [];
    const limits: AppliedLimit[] = [];
    const add = (scope: ClientScope, bucket: string, limit: SourcedLimit) => {
      for (const unit of ['rpm', 'tpm'] as const) {
        const perMinute = limit.config[unit];
        if (perMinute === undefined) continue;
        // A token draw's cost is the request's own: 0 here, filled in per request.
        draws.push({ id: `${scope}:${bucket}:${unit}`, capacity: perMinute, refillPerMs: perMinute / msPerMinute, cost: unit === 'rpm' ? 1 : 0 });
        limits.push({ scope, unit, perMinute, source: limit.source });
      }
    };
    if (keyLimit) add('key', who.keyId, keyLimit);
    // A user is one of its key's users: another tenant naming the same user cannot use up its limit.
    if (userLimit) add('user', `${who.keyId}:${userBucketName(who.user as string)}`, userLimit);
    return draws.length === 0 ? undefined : { draws, limits, tokenDraws: [], hasTokenLimit: limits.some((limit) => limit.unit === 'tpm') };
  }

  /** A virtual key's own limits, else those named for it in `rate_limits.keys`, else `rate_limits.keys.default`. */
  private keyLimitOf(virtualKey: VirtualKeyRecord | undefined): SourcedLimit | undefined {
    if (virtualKey?.rate_limits) return { config: virtualKey.rate_limits, source: `the rate_limits of key "${virtualKey.name}"` };
    return (virtualKey && this.keyLimits.get(virtualKey.name)) ?? this.keyLimits.get('default');
  }
}

function sourcedLimits(named: Readonly<Record<string, RateLimitConfig>>, path: string): ReadonlyMap<string, SourcedLimit> {
  return new Map(Object.entries(named).map(([name, config]) => [name, { config, source: `${path}.${name}` }]));
}

/**
 * The user's part of its ids (buckets, budget accounts): the name itself when
 * short and plain, else its SHA-256; the two are marked apart, so that no name
 * can stand for another's hash.
 */
export function userBucketName(user: string): string {
  return user.length > maxPlainUserLength || user.includes(':') ? `#${createHash('sha256').update(user).digest('hex')}` : `=${user}`;
}

/**
 * The `x-ratelimit-*` headers for a request: of its request limits and of its
 * token limits, each the tightest (the one with the least left).
 */
export function clientLimitHeaders(plan: ClientDrawPlan, levels: readonly BucketLevel[]): Record<string, string> {
  return rateLimitHeaders(tightest(plan, levels, 'rpm'), tightest(plan, levels, 'tpm'));
}

function tightest(plan: ClientDrawPlan, levels: readonly BucketLevel[], unit: LimitUnit): LimitStanding | undefined {
  let found: LimitStanding | undefined;
  plan.limits.forEach((limit, index) => {
    const level = levels[index];
    if (limit.unit !== unit || !level) return;
    if (!found || level.remaining < found.remaining || (level.remaining === found.remaining && level.resetMs > found.resetMs)) {
      found = { limit: limit.perMinute, remaining: level.remaining, resetMs: level.resetMs };
    }
  });
  return found;
}

/** A refusal's message: which limit, whose, and when to come back; never the key itself. */
export function limitReachedMessage(limit: AppliedLimit, retryAfterMs: number): string {
  const whose = limit.scope === 'key' ? "This key's" : "This user's";
  return `${whose} limit of ${perMinuteAmount(limit.unit, limit.perMinute)} (${limit.source}) is reached; retry in ${retryAfterSeconds(retryAfterMs)} s.`;
}

/** A limit as a person reads it: "1 request a minute", "40000 tokens a minute". */
export function perMinuteAmount(unit: LimitUnit, perMinute: number): string {
  if (unit === 'tpm') return `${perMinute} tokens a minute`;
  return `${perMinute} ${perMinute === 1 ? 'request' : 'requests'} a minute`;
}
