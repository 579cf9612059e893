import type { ChatResponse, ToolCall } from '../../core/types.js';
import { isJsonObject } from '../../core/json-object.js';
import { completion, type ResponseIdentity } from '../shared/chunk-factory.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import type { AnthropicResponse } from './wire-types.js';

/** Anthropic message → OpenAI chat completion. In JSON mode the `json` tool's input is the content. No usage reported, none made up. */
export function convertAnthropicResponse(response: AnthropicResponse, identity: ResponseIdentity, { jsonTool }: { jsonTool: boolean }): ChatResponse {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use') {
      if (jsonTool) text += JSON.stringify(block.input);
      else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (response.stop_reason === 'refusal') message.refusal = response.stop_details?.explanation ?? 'The model refused to answer.';
  return completion(
    { ...identity, model: response.model ?? identity.model },
    message,
    mapAnthropicStopReason(response.stop_reason, { jsonTool }),
    isJsonObject(response.usage) ? convertAnthropicUsage(response.usage) : undefined,
  );
}
