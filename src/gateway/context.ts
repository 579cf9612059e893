import { LightSignal, type AbortLike } from '../core/light-signal.js';
import type { NativeRequest } from '../core/native.js';
import type { ChatRequest, EmbeddingRequest, Usage } from '../core/types.js';
import type { AttemptOutcome } from '../routing/attempt-outcome.js';
import type { Candidate } from '../routing/router.js';
import type { Reservation } from '../limits/budgets.js';
import { keyIdOf } from '../usage/key-id.js';
import type { RequestSpan } from '../observability/request-trace.js';
import type { DoorApi } from '../core/door-api.js';
import type { RateLimitGrant } from '../limits/rate-limit-grant.js';
import type { ProviderTokenDraw } from '../limits/provider-limits.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import type { SavingsSettings } from '../config/savings-schema.js';
import { noSavingsApplied, type AppliedSavings } from '../savings/applied-savings.js';

export type Operation = 'chat' | 'embeddings';


/**
 * What one request carries through the pipeline stages. Internal: hooks see a
 * `HookContext` and adapters an `AdapterContext`, read-only views of it.
 */
export interface RequestContext {
  readonly id: string;
  readonly operation: Operation;
  readonly api: DoorApi;
  /** The request in its door's own API, while it still speaks for `request` (see AdapterContext.native). */
  native: NativeRequest | undefined;
  /** The request as the stages see it now; hooks may replace it. */
  request: ChatRequest | EmbeddingRequest;
  /** The model the client asked for (as an `onRequest` hook left it). */
  model: string;
  readonly stream: boolean;
  /** `x-tokenpak-user`, else the body's `user` (the Messages door's `metadata.user_id`). */
  readonly user: string | undefined;
  /** The client's bearer token, forwarded only to providers with `forward_client_key: true`. Never logged. */
  readonly clientApiKey: string | undefined;
  /** The client's identity in the ledger, limits, budgets and cache: its virtual key's id, else a short hash of its key. */
  keyId: string;
  /** The virtual key the client presented, once authenticated. */
  virtualKey: VirtualKeyRecord | undefined;
  /** What the request drew from the client rate limits, until settled. */
  rateLimit: RateLimitGrant | undefined;
  /** What its attempts drew on providers' token limits, until settled. */
  providerTokenDraws: ProviderTokenDraw[];
  /** The client's request headers, lower-cased, for adapters that pass some through. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Aborted when the client goes away. */
  readonly clientSignal: AbortLike;
  /** The current upstream attempt's signal: the client's plus the provider's timeout. */
  signal: AbortLike;
  /**
   * The original request bytes, forwarded as they are to OpenAI-format upstreams
   * while `request` is still the object they were parsed into.
   */
  rawBody: Buffer | undefined;
  readonly startedAt: number;
  candidates: Candidate[];
  /** The provider and upstream model of the current (at the end: the answering) attempt. */
  provider: string | undefined;
  upstreamModel: string | undefined;
  /** The model the provider says answered (e.g. a dated snapshot), when it says. */
  servedModel: string | undefined;
  /** The chosen provider's count of the prompt's tokens, once one was made. */
  estimatedPromptTokens: number | undefined;
  /** What of `estimatedPromptTokens` the provider's prompt cache read and wrote, when its stream said so before its final usage. */
  reportedPromptCache: Usage['prompt_tokens_details'];
  /** The count in progress or made, so that a request is counted once (see prompt-tokens.ts). */
  promptTokenCount: Promise<number | undefined> | undefined;
  attempts: AttemptOutcome[];
  latencyMs: number | undefined;
  usage: Usage | undefined;
  /** In USD; null when the model's price is unknown, undefined until settled. */
  cost: number | null | undefined;
  /** The savings settings of the request's route; undefined until routed. */
  savingsSettings: SavingsSettings | undefined;
  /** What the gateway's rewrites did to the request the answering attempt sent. */
  appliedSavings: AppliedSavings;
  /**
   * What the gateway saved the client, in USD, against the same request without
   * its rewrites at list price (cache reads and writes counted; negative on a
   * turn that only wrote a cache); null when the model's price is unknown,
   * undefined until settled (see savings/settle-savings.ts).
   */
  savedUsd: number | null | undefined;
  /** Prompt tokens the gateway kept from being billed at the full input rate: compacted away, or read from a cache it placed. */
  savedTokens: number;
  /** The request's key in the response cache, when the cache was asked. */
  cacheKey: string | undefined;
  /** What the request holds against the budgets until it is settled. */
  reservation: Reservation | undefined;
  /** Parameters the last attempt's model could not take, dropped from its request (`x-tokenpak-dropped-params`). */
  droppedParams: readonly string[];
  /** Whether the response cache answered (`hit`), was asked and missed, or was bypassed; undefined when it is off. */
  cacheStatus: 'hit' | 'miss' | 'bypass' | undefined;
  /** The request's trace span, when tracing is on. */
  span: RequestSpan | undefined;
  /** Headers every upstream attempt carries: the request id, and the attempt span's `traceparent` when tracing. */
  upstreamHeaders: Readonly<Record<string, string>>;
  /** Time spent waiting to retry an upstream (backoff, Retry-After). */
  retryWaitMs: number;
  /** When a stream's first generated output came (`performance.now()`): its time to first token. */
  firstOutputAt: number | undefined;
  /** The answer's generated text, in characters; null when it was not measured (see OutputTally.characterCountIfRead). */
  responseChars: number | null;
  /** The gateway's own time, fixed when a stream starts (after that, the time is the client's reading). */
  overheadMs: number | undefined;
}

export interface ContextInit {
  id: string;
  operation: Operation;
  api?: DoorApi;
  native?: NativeRequest;
  request: ChatRequest | EmbeddingRequest;
  rawBody?: Buffer;
  clientApiKey?: string;
  headers?: Record<string, string | string[] | undefined>;
  clientSignal?: AbortLike;
  span?: RequestSpan;
}

export function createContext(init: ContextInit): RequestContext {
  const clientSignal = init.clientSignal ?? new LightSignal();
  const request = init.request;
  return {
    id: init.id,
    operation: init.operation,
    api: init.api ?? init.operation,
    native: init.native,
    request,
    model: request.model,
    stream: init.operation === 'chat' && (request as ChatRequest).stream === true,
    user: userOf(init.headers, request),
    clientApiKey: init.clientApiKey,
    keyId: keyIdOf(init.clientApiKey),
    virtualKey: undefined,
    rateLimit: undefined,
    providerTokenDraws: [],
    headers: init.headers ?? {},
    clientSignal,
    signal: clientSignal,
    rawBody: init.rawBody,
    startedAt: performance.now(),
    candidates: [],
    provider: undefined,
    upstreamModel: undefined,
    servedModel: undefined,
    estimatedPromptTokens: undefined,
    reportedPromptCache: undefined,
    promptTokenCount: undefined,
    attempts: [],
    latencyMs: undefined,
    usage: undefined,
    cost: undefined,
    savingsSettings: undefined,
    appliedSavings: noSavingsApplied(),
    savedUsd: undefined,
    savedTokens: 0,
    cacheStatus: undefined,
    droppedParams: [],
    reservation: undefined,
    cacheKey: undefined,
    span: init.span,
    upstreamHeaders: { 'x-request-id': init.id },
    retryWaitMs: 0,
    firstOutputAt: undefined,
    responseChars: null,
    overheadMs: undefined,
  };
}

function userOf(headers: ContextInit['headers'], request: ChatRequest | EmbeddingRequest): string | undefined {
  const named = headers?.['x-tokenpak-user'];
  if (typeof named === 'string' && named !== '') return named;
  return typeof request.user === 'string' ? request.user : undefined;
}
