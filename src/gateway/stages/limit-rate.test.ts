import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import type { ChatRequest, EmbeddingRequest } from '../../core/types.js';
import { RateLimits } from '../../limits/rate-limits.js';
import { rateLimitsSchema } from '../../config/tenancy-schema.js';
import { estimatePromptTokens } from '../../providers/estimate-tokens.js';
import { MemoryLimitStore } from '../../state/memory/memory-limit-store.js';
import { createContext, type RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import { limitRate, reservedTokensOf, settleRateLimit } from './limit-rate.js';

const messages = [{ role: 'user' as const, content: 'Invent a new holiday.' }];

function runtimeWith(rateLimits: Record<string, unknown>, store = new MemoryLimitStore(() => 0)): GatewayRuntime {
  return {
    config: { cost_control: { default_max_output_tokens: 1_000 } },
    adapters: new Map(),
    rateLimits: new RateLimits(rateLimitsSchema.parse(rateLimits), store, { now: () => 0 }),
    logger: pino({ level: 'silent' }),
  } as unknown as GatewayRuntime;
}

function chat(request: Partial<ChatRequest> = {}, headers: Record<string, string> = {}): RequestContext {
  return createContext({ id: 'r1', operation: 'chat', request: { model: 'm', messages, ...request }, clientApiKey: 'sk-client', headers });
}

describe('reservedTokensOf', () => {
  const runtime = runtimeWith({});
  const prompt = estimatePromptTokens({ model: 'm', messages }, 4);

  it('is the prompt and the largest output limit, for every choice', () => {
    expect(reservedTokensOf(chat({ max_tokens: 100, max_completion_tokens: 300, n: 2 }), runtime)).toBe(prompt + 600);
  });

  it('gives a request without an output limit cost_control.default_max_output_tokens', () => {
    expect(reservedTokensOf(chat(), runtime)).toBe(prompt + 1_000);
  });

  it("is an embedding's input bound", () => {
    const ctx = createContext({ id: 'r2', operation: 'embeddings', request: { model: 'e', input: ['héllo', 'ab'] } as EmbeddingRequest });
    expect(reservedTokensOf(ctx, runtime)).toBe(8);
  });
});

describe('limitRate', () => {
  it('refuses past the limit with 429 rate_limit_exceeded, Retry-After and the headers', async () => {
    const runtime = runtimeWith({ keys: { default: { rpm: 1 } } });
    await limitRate(chat(), runtime);
    const refusal = await (async () => limitRate(chat(), runtime))().catch((error: unknown) => error);
    expect(GatewayError.is(refusal)).toBe(true);
    expect(refusal).toMatchObject({
      status: 429,
      type: 'rate_limit_exceeded',
      code: 'key_rpm_exceeded',
      headers: { 'retry-after': '60', 'x-ratelimit-limit-requests': '1', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m0s' },
    });
    expect((refusal as GatewayError).message).not.toContain('sk-client');
  });

  it('keeps the token draws and the headers on the request when it passes', async () => {
    const ctx = chat({ max_tokens: 100 }, { 'x-tokenpak-user': 'alice' });
    await limitRate(ctx, runtimeWith({ keys: { default: { rpm: 5 } }, users: { default: { tpm: 10_000 } } }));
    expect(ctx.rateLimit?.tokenDraws.map((draw) => draw.id)).toEqual([`user:${ctx.keyId}:=alice:tpm`]);
    expect(ctx.rateLimit?.headers).toMatchObject({ 'x-ratelimit-remaining-requests': '4', 'x-ratelimit-limit-tokens': '10000' });
  });
});

describe('settleRateLimit', () => {
  function recordingStore() {
    const store = new MemoryLimitStore(() => 0);
    const adjusted: { id: string; cost: number }[] = [];
    const adjust = store.adjust.bind(store);
    store.adjust = (draws) => {
      adjusted.push(...draws.map((draw) => ({ id: draw.id, cost: draw.cost })));
      return adjust(draws);
    };
    return { store, adjusted };
  }

  it('takes what the answer used instead of what was reserved, on the client and on the answering provider; a failed provider gives all back', async () => {
    const { store, adjusted } = recordingStore();
    const runtime = runtimeWith({ keys: { default: { tpm: 10_000 } } }, store);
    const ctx = chat({ max_tokens: 100 });
    await limitRate(ctx, runtime);
    const reserved = ctx.rateLimit?.tokenDraws[0]?.cost ?? 0;
    const providerDraw = (provider: string) => ({ provider, draw: { id: `provider:${provider}:tpm`, capacity: 1_000, refillPerMs: 1, cost: 120 } });
    ctx.providerTokenDraws.push(providerDraw('down'), providerDraw('up'));
    ctx.provider = 'up';
    ctx.usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 };
    settleRateLimit(ctx, runtime);
    expect(adjusted).toEqual([
      { id: `key:${ctx.keyId}:tpm`, cost: 30 - reserved },
      { id: 'provider:down:tpm', cost: -120 },
      { id: 'provider:up:tpm', cost: 30 - 120 },
    ]);
    settleRateLimit(ctx, runtime);
    expect(adjusted).toHaveLength(3);
  });

  it('gives everything back for a cache hit', async () => {
    const { store, adjusted } = recordingStore();
    const runtime = runtimeWith({ keys: { default: { tpm: 10_000 } } }, store);
    const ctx = chat({ max_tokens: 100 });
    await limitRate(ctx, runtime);
    const reserved = ctx.rateLimit?.tokenDraws[0]?.cost ?? 0;
    ctx.cacheStatus = 'hit';
    ctx.usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 };
    settleRateLimit(ctx, runtime);
    expect(adjusted).toEqual([{ id: `key:${ctx.keyId}:tpm`, cost: -reserved }]);
  });
});
