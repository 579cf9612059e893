import type { NativeRequest } from '../core/native.js';
import type { ChatRequest } from '../core/types.js';
import type { TokenCountSource } from '../providers/base-adapter.js';
import { estimatePromptTokens } from '../providers/estimate-tokens.js';
import { asUpstreamError } from '../routing/failover.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import type { GatewayRuntime } from './runtime.js';
import { checkedTokenCount } from './prompt-tokens.js';
import { notRouted } from './stages/route-request.js';

export interface DoorTokenCount {
  tokens: number;
  /** How they were counted: what `/v1/messages/count_tokens` says in `x-tokenpak-token-count`. */
  source: TokenCountSource;
}

export interface CountOptions {
  clientApiKey: string | undefined;
  /** Set when the client's key is a virtual key: that one stays in the gateway, even for providers with `forward_client_key`. */
  virtualKey: VirtualKeyRecord | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  signal: AbortSignal;
}

/**
 * A door request's prompt tokens, counted by the provider its model routes to:
 * in the door's own API where the provider speaks it (its answer, an error
 * included, is the client's), else by the provider's counter, falling back to
 * the local estimate if that fails. Counting generates nothing, so nothing is
 * charged or recorded.
 */
export async function countDoorTokens(runtime: GatewayRuntime, request: ChatRequest, native: NativeRequest, options: CountOptions): Promise<DoorTokenCount> {
  const candidate = runtime.router.candidatesFor(request.model)[0];
  const adapter = candidate && runtime.adapters.get(candidate.provider);
  if (!candidate || !adapter) throw notRouted(request.model, runtime);
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(adapter.options.timeout_ms)]);
  const routed = { ...request, model: candidate.model };
  if (adapter.speaksNatively(native.api)) {
    try {
      const tokens = await adapter.countNativeTokens(native, { model: candidate.model, signal, clientApiKey: options.virtualKey ? undefined : options.clientApiKey, headers: options.headers });
      return { tokens: Math.round(checkedTokenCount(tokens)), source: 'provider' };
    } catch (thrown) {
      throw runtime.secrets.upstreamError(asUpstreamError(candidate.provider, thrown, signal), options.clientApiKey);
    }
  }
  try {
    return { tokens: Math.round(checkedTokenCount(await adapter.countTokens(routed, signal))), source: adapter.tokenCountSource(routed) };
  } catch (error) {
    const { name, code, status } = error as { name?: string; code?: unknown; status?: unknown };
    runtime.logger.warn({ provider: candidate.provider, error: { name, code, status } }, 'counting prompt tokens failed; answering the local estimate');
    return { tokens: estimatePromptTokens(routed, adapter.options.chars_per_token), source: 'estimate' };
  }
}
