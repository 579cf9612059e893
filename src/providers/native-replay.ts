import type { NativeApi, NativeStream } from '../core/native.js';
import type { ChatResponse } from '../core/types.js';
import { AnthropicNativeStream } from './anthropic/anthropic-native-stream.js';
import { convertAnthropicResponse } from './anthropic/convert-anthropic-response.js';
import type { AnthropicResponse } from './anthropic/wire-types.js';
import { convertResponsesToChat } from './openai/convert-responses-to-chat.js';
import { ResponsesNativeStream } from './openai/responses-native-stream.js';
import type { ResponsesResponse } from './openai/responses-wire-types.js';
import { bodyOf } from './shared/body-of.js';
import type { ResponseIdentity } from './shared/chunk-factory.js';

/** The name a replayed answer's errors give as their provider. */
const cacheProvider = 'cache';

/** A cached native stream (the bytes as the provider sent them) as a stream again, read the way the provider's own was. */
export function replayNativeStream(api: NativeApi, bytes: Buffer): NativeStream {
  const body = bodyOf(bytes);
  const identity = replayIdentity(undefined);
  return api === 'messages' ? new AnthropicNativeStream(body, identity, cacheProvider) : new ResponsesNativeStream(body, identity, cacheProvider);
}

/** A cached native answer in the canonical shape, for pricing, the ledger and `onResponse` hooks. */
export function chatFromNativeBody(api: NativeApi, body: Record<string, unknown>): ChatResponse {
  const identity = replayIdentity(body);
  if (api === 'messages') return convertAnthropicResponse(body as unknown as AnthropicResponse, identity, { jsonTool: false });
  return convertResponsesToChat(body as ResponsesResponse, identity);
}

/** The answer's own id and model where it has them; the stream's events name its model. */
function replayIdentity(body: Record<string, unknown> | undefined): ResponseIdentity {
  return {
    id: typeof body?.id === 'string' ? body.id : `chatcmpl-${cacheProvider}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body?.model === 'string' ? body.model : '',
  };
}
