import type { ChatChunk, ChatResponse, FinishReason, Usage } from '../../core/types.js';

export interface ResponseIdentity {
  /** `chatcmpl-...`, shared by every chunk of one stream. */
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

type Delta = ChatChunk['choices'][number]['delta'];

/** Builds the OpenAI chunks of one translated stream, all with the same id, creation time and model. */
export class ChunkFactory {
  constructor(readonly identity: ResponseIdentity) {}

  delta(delta: Delta, finishReason: FinishReason | null = null): ChatChunk {
    const { id, created, model } = this.identity;
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
  }

  /** The last chunk: usage with empty `choices`, as OpenAI sends it. */
  usage(usage: Usage): ChatChunk {
    const { id, created, model } = this.identity;
    return { id, object: 'chat.completion.chunk', created, model, choices: [], usage };
  }
}

export function newIdentity(requestId: string, model: string): ResponseIdentity {
  return { id: `chatcmpl-${requestId}`, created: Math.floor(Date.now() / 1000), model };
}

/** Without `usage` when the provider reported none: the gateway then charges what it counted, never a made-up zero. */
export function completion(
  identity: ResponseIdentity,
  message: ChatResponse['choices'][number]['message'],
  finishReason: FinishReason,
  usage: Usage | undefined,
): ChatResponse {
  const response: ChatResponse = {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, finish_reason: finishReason }],
  };
  if (usage) response.usage = usage;
  return response;
}

/** A tool call id the client will echo back; `responseId` keeps it unique across responses. */
export function toolCallId(responseId: string, index: number): string {
  return `call_${responseId.replace('chatcmpl-', '')}_${index}`;
}
