import { randomUUID } from 'node:crypto';
import type { GatewayError } from '../../core/errors.js';
import { isNativeResponse } from '../../core/native.js';
import type { ChatMessage, ChatResponse } from '../../core/types.js';
import type { ChatStream } from '../../gateway/chat-stream.js';
import type { Door, DoorExchange, ExchangeMeta } from '../door.js';
import { decodeResponsesRequest } from './decode-responses-request.js';
import { encodeResponsesResponse } from './encode-responses-response.js';
import { keptConversation } from './kept-conversation.js';
import { responseOutputMessages } from './response-output-messages.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

/**
 * `/v1/responses`, OpenAI's Responses API. To a provider that speaks it the
 * client's body goes as it came (model set) and the answer comes back as the
 * provider sent it (the provider keeps its own responses); to any other, the
 * request is translated, and unless `store` is false the conversation is kept
 * (in memory, per client key, bounded) so that `previous_response_id` can
 * continue it.
 */
export const responsesDoor: Door = {
  api: 'responses',
  operation: 'chat',
  forwardsRawBody: false,
  open: (body, meta) => openExchange(body, meta),
  errorBody: (error) => error.toJSON(),
};

function openExchange(body: Record<string, unknown>, meta: ExchangeMeta): DoorExchange {
  const previousId = typeof body.previous_response_id === 'string' && body.previous_response_id !== '' ? body.previous_response_id : undefined;
  const history = previousId === undefined ? undefined : meta.runtime.responseStore.load(meta.keyId, previousId);
  const { request, dropped } = decodeResponsesRequest(body, history);
  const encoding = { id: `resp_${randomUUID().replaceAll('-', '')}`, createdAt: Math.floor(Date.now() / 1000), request: body };
  // A response TokenPak kept is unknown to the provider, so its continuation is translated; one it did not keep only the provider can continue.
  const native = history ? undefined : ({ api: 'responses', body, bodyBytes: meta.bodyBytes, onlyNative: previousId === undefined ? undefined : notKept(previousId) } as const);
  const keep = (output: ChatMessage[]) => {
    if (body.store !== false && output.length > 0) meta.runtime.responseStore.save(meta.keyId, encoding.id, keptConversation(body, request, output));
  };
  const translated = () => {
    if (dropped.length > 0) meta.runtime.logger.warn({ requestId: meta.requestId, tools: dropped }, 'tools only OpenAI runs were left out of a translated Responses request');
  };
  let encoder: ResponsesStreamEncoder | undefined;
  return {
    request,
    native,
    respond(result) {
      if (isNativeResponse(result) && result.nativeApi === 'responses') return result.body;
      translated();
      const response = result as ChatResponse;
      keep(responseOutputMessages(response));
      return encodeResponsesResponse(response, encoding);
    },
    stream(stream: ChatStream) {
      if (stream.nativeApi === 'responses') return stream.nativeSse();
      translated();
      encoder = new ResponsesStreamEncoder(encoding);
      return keepWhenComplete(encoder, stream, keep);
    },
    streamError: (error: GatewayError) => (encoder ? encoder.failedFrame(error) : nativeStreamError(error)),
  };
}

function notKept(previousId: string): { message: string; param: string } {
  return {
    message: `"previous_response_id" "${previousId}" is not a response TokenPak kept for this API key (it keeps translated responses unless "store" is false, for responses.store.ttl_seconds), so only a provider that speaks the Responses API can continue it; or send the whole conversation as input.`,
    param: 'previous_response_id',
  };
}

async function* keepWhenComplete(encoder: ResponsesStreamEncoder, stream: ChatStream, keep: (output: ChatMessage[]) => void): AsyncGenerator<string> {
  yield* encoder.events(stream);
  keep(encoder.outputMessages());
}

/** A passthrough stream that fails midway ends with the API's `error` event (its sequence is the provider's, which the gateway does not count). */
function nativeStreamError(error: GatewayError): string {
  const event = { type: 'error', code: error.code, message: error.message, param: error.param };
  return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
}
