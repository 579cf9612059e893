import { isNativeResponse } from '../../core/native.js';
import type { ChatResponse } from '../../core/types.js';
import type { Door, ExchangeMeta } from '../door.js';
import { providerRunTools } from '../provider-run-tools.js';
import { decodeMessagesRequest } from './decode-messages-request.js';
import { encodeMessagesResponse } from './encode-messages-response.js';
import { messagesErrorBody } from './messages-error.js';
import { MessagesStreamEncoder } from './messages-stream-encoder.js';

/**
 * `/v1/messages`, Anthropic's Messages API. To a provider that speaks it the
 * client's body goes as it came (model set) and the answer comes back as the
 * provider sent it; to any other, the request is translated to the canonical
 * one and the answer back into a Message or its events.
 */
export const messagesDoor: Door = {
  api: 'messages',
  operation: 'chat',
  forwardsRawBody: false,
  open(body, meta) {
    const { request, dropped, untranslatable, unboundedAt } = decodeMessagesRequest(body);
    const translated = () => warnOfDroppedTools(meta, dropped);
    return {
      request,
      native: { api: 'messages', body, bodyBytes: meta.bodyBytes, onlyNative: untranslatable, unboundedAt, providerTools: providerRunTools('messages', body) },
      respond(result) {
        if (isNativeResponse(result) && result.nativeApi === 'messages') return result.body;
        translated();
        return encodeMessagesResponse(result as ChatResponse);
      },
      stream(stream) {
        if (stream.nativeApi === 'messages') return stream.nativeSse();
        translated();
        return new MessagesStreamEncoder({ model: request.model, id: meta.requestId }).events(stream);
      },
      streamError: (error) => MessagesStreamEncoder.errorFrame(error),
    };
  },
  errorBody: (error, requestId) => messagesErrorBody(error, requestId),
};

/** Server tools run only at Anthropic: a translated request goes without them, and the operator hears which. */
function warnOfDroppedTools(meta: ExchangeMeta, dropped: string[]): void {
  if (dropped.length === 0) return;
  meta.runtime.logger.warn({ requestId: meta.requestId, tools: dropped }, 'tools only Anthropic runs were left out of a translated Messages request');
}
