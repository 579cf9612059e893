import type { BucketDraw, BucketLevel, DrawDecision, LimitStore } from '../limit-store.js';
import { defineLuaCommand, type LuaCommand } from './lua-command.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * The token bucket of src/limits/token-bucket.ts, in Lua: the same arithmetic
 * on the same doubles, with Redis's clock (replica clocks never matter). A
 * bucket is a hash {t: tokens, a: at ms}; a full one is deleted, as a missing
 * bucket reads as full; a part-full one expires a second after it would be full.
 * Tokens are written with 17 significant digits so that they read back as the
 * very double that was computed.
 */
const bucketLua = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
-- A bucket deep in debt at a tiny refill rate would ask for an expiry Redis cannot represent.
local maxTtlMs = 1099511627776

local function refilled(key, capacity, rate)
  local held = redis.call('HMGET', key, 't', 'a')
  if not held[1] then return capacity end
  return math.min(capacity, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * rate)
end

local function untilFull(tokens, capacity, rate)
  if tokens >= capacity then return 0 end
  return math.ceil((capacity - tokens) / rate)
end

local function keep(key, tokens, capacity, rate)
  if tokens >= capacity then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, 't', string.format('%.17g', tokens), 'a', string.format('%.17g', now))
  redis.call('PEXPIRE', key, string.format('%.17g', math.min(untilFull(tokens, capacity, rate) + 1000, maxTtlMs)))
end
`;

/** KEYS: the buckets; ARGV: capacity, refill per ms, cost for each. Reply: granted (1/0), denied index (-1), retry after ms, then remaining and reset ms per bucket. */
const drawLua = `${bucketLua}
local count = #KEYS
local tokens = {}
for i = 1, count do
  tokens[i] = refilled(KEYS[i], tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]))
end
local denied = 0
for i = 1, count do
  if tokens[i] < math.min(tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i - 2])) then
    denied = i
    break
  end
end
local reply = {}
if denied > 0 then
  local capacity, rate, cost = tonumber(ARGV[3 * denied - 2]), tonumber(ARGV[3 * denied - 1]), tonumber(ARGV[3 * denied])
  reply[1] = 0
  reply[2] = denied - 1
  reply[3] = math.max(1, math.ceil((math.min(cost, capacity) - tokens[denied]) / rate))
else
  reply[1] = 1
  reply[2] = -1
  reply[3] = 0
  for i = 1, count do
    local capacity, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
    tokens[i] = math.min(capacity, tokens[i] - tonumber(ARGV[3 * i]))
    keep(KEYS[i], tokens[i], capacity, rate)
  end
end
for i = 1, count do
  reply[2 * i + 2] = math.max(0, math.floor(tokens[i]))
  reply[2 * i + 3] = untilFull(tokens[i], tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]))
end
return reply
`;

/** KEYS: the buckets; ARGV: capacity, refill per ms, cost (negative gives back) for each, applied in order. */
const adjustLua = `${bucketLua}
for i = 1, #KEYS do
  local capacity, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  keep(KEYS[i], math.min(capacity, refilled(KEYS[i], capacity, rate) - tonumber(ARGV[3 * i])), capacity, rate)
end
return 0
`;

/** Token buckets shared by every replica: each draw or adjustment is one script, atomic across all its buckets. */
export class RedisLimitStore implements LimitStore {
  private readonly drawScript: LuaCommand;
  private readonly adjustScript: LuaCommand;

  constructor(private readonly connection: RedisConnection) {
    this.drawScript = defineLuaCommand(connection.client, 'tokenpakDrawBuckets', drawLua);
    this.adjustScript = defineLuaCommand(connection.client, 'tokenpakAdjustBuckets', adjustLua);
  }

  async draw(draws: readonly BucketDraw[]): Promise<DrawDecision> {
    if (draws.length === 0) return { granted: true, levels: [] };
    const reply = (await this.drawScript(this.keys(draws), bucketArguments(draws))) as number[];
    const levels: BucketLevel[] = draws.map((_draw, index) => ({ remaining: reply[2 * index + 3] as number, resetMs: reply[2 * index + 4] as number }));
    if (reply[0] === 1) return { granted: true, levels };
    return { granted: false, denied: reply[1] as number, retryAfterMs: reply[2] as number, levels };
  }

  async adjust(draws: readonly BucketDraw[]): Promise<void> {
    if (draws.length === 0) return;
    await this.adjustScript(this.keys(draws), bucketArguments(draws));
  }

  private keys(draws: readonly BucketDraw[]): string[] {
    return draws.map((draw) => this.connection.key(`limit:${draw.id}`));
  }
}

function bucketArguments(draws: readonly BucketDraw[]): number[] {
  return draws.flatMap((draw) => [draw.capacity, draw.refillPerMs, draw.cost]);
}
