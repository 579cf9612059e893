import { cacheKey } from '../../cache/cache-key.js';
import { answerBytesOf, rememberAnswerBytes } from '../../core/answer-bytes.js';
import type { CachedAnswer } from '../../cache/memory-cache.js';
import { responseToChunks } from '../../cache/response-to-chunks.js';
import { isNativeResponse, type NativeApi, type NativeResponse } from '../../core/native.js';
import { chatFromNativeBody, replayNativeStream } from '../../providers/native-replay.js';
import { OpenAISseStream } from '../../providers/openai/openai-sse-stream.js';
import { bodyOf } from '../../providers/shared/body-of.js';
import type { ChatChunk, ChatResponse, EmbeddingResponse } from '../../core/types.js';
import { ChunkAssembler } from '../chunk-assembler.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import type { StageAnswer } from './stage.js';

const wholeSeconds = /^\d+$/;

/**
 * Answers from the response cache when it holds this request's answer: as JSON,
 * or replayed as a stream. `Cache-Control: no-cache` (or `no-store`) and
 * `x-tokenpak-cache: off` bypass it. A hit costs nothing and goes nowhere.
 * Each client key has its own entries unless `cache.scope` is `global`.
 * Requests of the Messages and Responses doors have entries of their own
 * (per door, streamed or not), keyed on the body the client sent.
 */
export async function lookUpCache(ctx: RequestContext, runtime: GatewayRuntime): Promise<StageAnswer | undefined> {
  if (ctx.operation !== 'chat') return undefined;
  if (!runtime.cache || bypassRequested(ctx.headers)) {
    ctx.cacheStatus = 'bypass';
    return undefined;
  }
  // The door's own body says more than the canonical request made of it (thinking, betas, server tools): it is what the answer depends on.
  ctx.cacheKey = cacheKey(ctx.native?.body ?? ctx.request, cacheScope(ctx, runtime));
  const found = runtime.cache.get(ctx.cacheKey);
  // The memory cache answers at once: no tick spent waiting for it.
  const cached = found instanceof Promise ? await found : found;
  if (!cached || (cached.nativeApi !== undefined && ('sse' in cached) !== ctx.stream)) {
    ctx.cacheStatus = 'miss';
    return undefined;
  }
  ctx.cacheStatus = 'hit';
  ctx.cost = 0;
  ctx.provider = undefined;
  ctx.upstreamModel = undefined;
  if (cached.nativeApi !== undefined) return replayNative(cached, cached.nativeApi);
  if ('sse' in cached) {
    const replayed = new OpenAISseStream(bodyOf(cached.sse), 'cache');
    return ctx.stream ? { stream: replayed, release: () => undefined } : { response: await assemble(replayed) };
  }
  // Parsed afresh on every hit: hooks may change what they are given.
  const response = JSON.parse(cached.json) as ChatResponse;
  if (ctx.stream) return { stream: replay(responseToChunks(response)), release: () => undefined };
  rememberAnswerBytes(response, cached.json);
  return { response };
}

/** Keeps a complete stream relayed as it came (OpenAI chat, or a door's own API) as its upstream bytes (a stream with an error event in it fails, so never gets here). */
export function storeStreamInCache(ctx: RequestContext, runtime: GatewayRuntime, upstreamSse: Buffer, nativeApi: NativeApi | undefined): void {
  if (ctx.cacheStatus !== 'miss' || !ctx.cacheKey || !runtime.cache) return;
  runtime.cache.set(ctx.cacheKey, nativeApi ? { sse: upstreamSse, nativeApi } : { sse: upstreamSse }, ttlMs(ctx, runtime));
}

/** Keeps a complete, successful answer for the requests that missed: a provider's own answer, before `onResponse` hooks. */
export function storeInCache(ctx: RequestContext, runtime: GatewayRuntime, response: ChatResponse | EmbeddingResponse | NativeResponse): void {
  if (ctx.cacheStatus !== 'miss' || !ctx.cacheKey || !runtime.cache) return;
  if (isNativeResponse(response)) runtime.cache.set(ctx.cacheKey, { json: JSON.stringify(response.body), nativeApi: response.nativeApi }, ttlMs(ctx, runtime));
  else if ('choices' in response) runtime.cache.set(ctx.cacheKey, { json: answerBytesOf(response)?.toString() ?? JSON.stringify(response) }, ttlMs(ctx, runtime));
}

/**
 * The client key's entries, unless the operator shares one cache: a client
 * never gets another's answer. Anthropic's betas are forwarded and change the
 * answer (a larger context, other tools), so they are part of the scope too.
 */
function cacheScope(ctx: RequestContext, runtime: GatewayRuntime): string {
  let scope = runtime.config.cache.scope === 'global' ? '' : ctx.keyId;
  const betas = ctx.headers['anthropic-beta'];
  if (betas !== undefined) scope += `\nbeta:${Array.isArray(betas) ? betas.join(',') : betas}`;
  return ctx.api === 'chat' ? scope : `${scope}\n${ctx.api}\n${ctx.stream ? 'stream' : 'json'}`;
}

function replayNative(cached: CachedAnswer, api: NativeApi): StageAnswer {
  if ('sse' in cached) return { stream: replayNativeStream(api, cached.sse), release: () => undefined };
  const body = JSON.parse(cached.json) as Record<string, unknown>;
  return { response: { nativeApi: api, body, chat: chatFromNativeBody(api, body) } };
}

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

async function assemble(chunks: AsyncIterable<ChatChunk>): Promise<ChatResponse> {
  const assembler = new ChunkAssembler();
  for await (const chunk of chunks) assembler.add(chunk);
  return assembler.result() as ChatResponse;
}
