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
import { providerRunTools } from '../provider-run-tools.js';
import { resolveContinuation, type Continuation } from './continuation.js';
import { invalidRequest } from '../request-checks.js';
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
  errorBody: (error, requestId) => error.toJSON(requestId),
};

function openExchange(body: Record<string, unknown>, meta: ExchangeMeta): DoorExchange {
  const store = meta.runtime.responseStore;
  const continuation = resolveContinuation(body, store, meta.keyId, meta.runtime.config.server.max_body_bytes);
  if (meta.runtime.budgets.enabled) refuseUnboundedWork(body, continuation);
  const { request, dropped, untranslatable, unboundedAt } = decodeResponsesRequest(continuation.body, continuation.history);
  if (continuation.keptByTokenPak && untranslatable) {
    throw invalidRequest(`${untranslatable.message} This request continues a response TokenPak translated, which such a provider never saw.`, untranslatable.param);
  }
  const encoding = { id: `resp_${randomUUID().replaceAll('-', '')}`, createdAt: Math.floor(Date.now() / 1000), request: body };
  const native = continuation.keptByTokenPak
    ? undefined
    : ({
        api: 'responses',
        body,
        bodyBytes: meta.bodyBytes,
        onlyNative: continuation.keptByProvider ?? untranslatable,
        unboundedAt,
        providerTools: providerRunTools('responses', body),
      } as const);
  const keep = (output: ChatMessage[], items: ReadonlyArray<Record<string, unknown>>) => {
    if (body.store === false || output.length === 0) return;
    store.save(meta.keyId, encoding.id, keptConversation(body, request, output));
    store.saveItems(meta.keyId, items);
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
      const encoded = encodeResponsesResponse(response, encoding);
      keep(responseOutputMessages(response), encoded.output as Array<Record<string, unknown>>);
      return encoded;
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

/**
 * With a budget on, a request's cost must be bounded before it is sent. What
 * the provider keeps (an earlier response, a conversation, items referenced by
 * id) is prompt the gateway cannot see, and background work is billed after
 * its answer has left: neither can be.
 */
function refuseUnboundedWork(body: Record<string, unknown>, continuation: Continuation): void {
  const reason =
    body.background === true
      ? { param: 'background', why: '"background": true is billed after its answer has left' }
      : body.conversation !== undefined && body.conversation !== null
        ? { param: 'conversation', why: '"conversation" holds prompt the provider keeps, which TokenPak cannot see' }
        : continuation.keptByProvider && { param: continuation.keptByProvider.param, why: `${continuation.keptByProvider.param === 'input' ? 'an item_reference' : '"previous_response_id"'} names prompt the provider keeps, which TokenPak cannot see` };
  if (!reason) return;
  throw invalidRequest(
    `With a budget on (cost_control), a request whose cost cannot be bounded before it is sent is refused: ${reason.why}. Send the whole conversation as input instead.`,
    reason.param,
  );
}

async function* keepWhenComplete(
  encoder: ResponsesStreamEncoder,
  stream: ChatStream,
  keep: (output: ChatMessage[], items: ReadonlyArray<Record<string, unknown>>) => void,
): AsyncGenerator<string> {
  yield* encoder.events(stream);
  keep(encoder.outputMessages(), encoder.outputItems());
}

/** A passthrough stream that fails midway ends with the API's `error` event (its sequence is the provider's, which the gateway does not count). */
function nativeStreamError(error: GatewayError): string {
  const event = { type: 'error', code: error.code, message: error.message, param: error.param };
  return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
}
