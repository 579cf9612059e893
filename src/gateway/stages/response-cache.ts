import { cacheKey } from '../../cache/cache-key.js';
import { responseToChunks } from '../../cache/response-to-chunks.js';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../types.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import type { AfterStage, StageAnswer } from './stage.js';

const wholeSeconds = /^\d+$/;

/**
 * Answers from the response cache when it holds this request's answer: as JSON,
 * or replayed as a stream. `Cache-Control: no-cache` (or `no-store`) and
 * `x-tokenpak-cache: off` bypass it. A hit costs nothing and goes nowhere.
 */
export function lookUpCache(ctx: RequestContext, runtime: GatewayRuntime): StageAnswer | undefined {
  if (ctx.operation !== 'chat') return undefined;
  if (!runtime.cache || bypassRequested(ctx.headers)) {
    ctx.cacheStatus = 'bypass';
    return undefined;
  }
  ctx.cacheKey = cacheKey(ctx.request as ChatRequest);
  // A fresh copy each time: hooks may change what they are given.
  const cached = runtime.cache.get(ctx.cacheKey);
  if (!cached) {
    ctx.cacheStatus = 'miss';
    return undefined;
  }
  ctx.cacheStatus = 'hit';
  ctx.cost = 0;
  ctx.provider = undefined;
  ctx.upstreamModel = undefined;
  if (!ctx.stream) return { response: cached };
  return { stream: replay(responseToChunks(cached)), release: () => undefined };
}

/** Keeps a complete, successful answer for the requests that missed: a provider's own answer, before `onResponse` hooks. */
export const storeInCache: AfterStage = (ctx, runtime, response) => {
  if (ctx.cacheStatus === 'miss' && ctx.cacheKey && runtime.cache && response && 'choices' in response) {
    runtime.cache.set(ctx.cacheKey, response as ChatResponse, ttlMs(ctx, runtime));
  }
  return response;
};

function ttlMs(ctx: RequestContext, runtime: GatewayRuntime): number {
  const asked = ctx.headers['x-tokenpak-cache-ttl'];
  const seconds = typeof asked === 'string' && wholeSeconds.test(asked) ? Number(asked) : runtime.config.cache.ttl;
  return seconds * 1000;
}

function bypassRequested(headers: RequestContext['headers']): boolean {
  const cacheControl = headers['cache-control'];
  const directives = typeof cacheControl === 'string' ? cacheControl.toLowerCase() : '';
  return directives.includes('no-cache') || directives.includes('no-store') || headers['x-tokenpak-cache'] === 'off';
}

async function* replay(chunks: ChatChunk[]): AsyncGenerator<ChatChunk> {
  yield* chunks;
}
