import type { NativeResponse } from '../../core/native.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../core/types.js';
import { UpstreamError } from '../../core/upstream-error.js';
import { dispatchWithFailover } from '../../routing/failover.js';
import { AdapterView } from '../adapter-view.js';
import type { RequestContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import type { StageAnswer } from './stage.js';
import { withoutMessage } from '../../observability/error-trace.js';
import { boundedClientText, loggableIdentifier } from '../../observability/loggable.js';
import { lazyPromptJson } from '../prompt-json.js';
import { reservedTokensOf } from './limit-rate.js';
import type { BaseAdapter } from '../../providers/base-adapter.js';
import { compactChatRequest } from '../../savings/compact-chat-request.js';
import { countCompactionSavings } from '../../savings/compaction-savings.js';
import { noSavingsApplied } from '../../savings/applied-savings.js';
import { fitNativeParams, fitParams } from './fit-params.js';

/** Sends the request to the first candidate that answers, failing over on retryable failures. */
export async function dispatch(ctx: RequestContext, runtime: GatewayRuntime): Promise<StageAnswer> {
  const view = new AdapterView(ctx);
  try {
    const { result, deadline } = await dispatchWithFailover<ChatResponse | AsyncIterable<ChatChunk> | EmbeddingResponse | NativeResponse>(
      ctx,
      runtime.adapters,
      runtime.health,
      runtime.secrets,
      async (adapter, request) => {
        ctx.appliedSavings = noSavingsApplied();
        return requireAnswer(
          adapter.name,
          ctx.operation === 'chat'
            ? await adapter.sendRequest(compactedFor(ctx, adapter, fittedFor(ctx, runtime, adapter, request as ChatRequest, view)), view)
            : await adapter.createEmbeddings(request as EmbeddingRequest, view),
        );
      },
      runtime.rateLimits.providers.pacing(ctx, () => reservedTokensOf(ctx, runtime)),
    );
    if (isStream(result)) return { stream: result, release: () => deadline.clear() };
    deadline.clear();
    return { response: result };
  } finally {
    logFailedAttempts(ctx, runtime);
  }
}

/**
 * The attempt's request fitted to its model's parameters (a fallback's model
 * as much as the first); when the adapter sends the client's own body in its
 * own API, that body is what is fitted, for this attempt only.
 */
function fittedFor(ctx: RequestContext, runtime: GatewayRuntime, adapter: BaseAdapter, request: ChatRequest, view: AdapterView): ChatRequest {
  if (ctx.native && adapter.speaksNatively(ctx.native.api)) {
    view.useNativeForAttempt(fitNativeParams(ctx, runtime, ctx.native, request.model));
    return request;
  }
  view.useNativeForAttempt(undefined);
  return fitParams(ctx, runtime, request);
}

/**
 * The attempt's request with the route's compaction applied (savings/), unless
 * the adapter passes the client's own body through: then it goes as sent.
 */
function compactedFor(ctx: RequestContext, adapter: BaseAdapter, request: ChatRequest): ChatRequest {
  const settings = ctx.savingsSettings?.compaction;
  if (!settings || (ctx.native && adapter.speaksNatively(ctx.native.api))) return request;
  const compacted = compactChatRequest(request, settings, ctx.keyId);
  if (compacted.rewrites.length > 0) ctx.appliedSavings.compactedTokens = countCompactionSavings(ctx.keyId, compacted.rewrites);
  return compacted.request;
}

/** A custom adapter that resolves with nothing has a bug; treat it as that provider failing rather than as a gateway error. */
function requireAnswer<T>(provider: string, answer: T): T {
  if (answer !== null && typeof answer === 'object') return answer;
  throw new UpstreamError(provider, 502, `provider "${provider}" returned no response; see the gateway log`, { failure: 'failed', code: 'adapter_error' });
}

function isStream(result: ChatResponse | AsyncIterable<ChatChunk> | EmbeddingResponse | NativeResponse): result is AsyncIterable<ChatChunk> {
  return Symbol.asyncIterator in result;
}

/**
 * One line per failed attempt, with its status, type and provider: not the
 * provider's message, which may quote the prompt or the `user`. The gateway's
 * own failures are errors, logged with their cause.
 */
function logFailedAttempts(ctx: RequestContext, runtime: GatewayRuntime): void {
  const prompt = lazyPromptJson(ctx);
  for (const attempt of ctx.attempts) {
    if (attempt.outcome === 'ok' || attempt.outcome === 'client_error' || attempt.outcome === 'aborted' || attempt.outcome === 'skipped') continue;
    const line = {
      requestId: ctx.id,
      provider: attempt.provider,
      model: boundedClientText(runtime.secrets.clean(attempt.model, ctx.clientApiKey)),
      outcome: attempt.outcome,
      status: attempt.status,
      type: loggableIdentifier(attempt.type, prompt),
      code: loggableIdentifier(attempt.code, prompt),
    };
    if (attempt.outcome === 'internal') runtime.logger.error({ ...line, cause: withoutMessage(attempt.error) }, 'the gateway failed on an upstream attempt');
    else runtime.logger.warn({ ...line, upstreamStatus: attempt.upstreamStatus }, 'upstream attempt failed');
  }
}

