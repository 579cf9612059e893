import { isJsonObject } from '../../core/json-object.js';
import type { ChatMessage, ContentPart, ToolCall } from '../../core/types.js';
import { invalidRequest, requireString } from '../request-checks.js';
import { Untranslatable } from '../untranslatable.js';

const messageRoles = new Set(['user', 'system', 'developer', 'assistant']);
const imageDetails = new Set(['auto', 'low', 'high']);

/**
 * Responses `input` (a string or a list of items) → canonical chat messages.
 * Function calls join the assistant message before them, as a chat turn holds
 * its text and its tool calls together; a reasoning item's summary rides on
 * the next assistant message as `reasoning_content`.
 */
export function decodeResponsesInput(input: string | unknown[], untranslatable = new Untranslatable('Responses')): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const messages: ChatMessage[] = [];
  let pendingReasoning: string | undefined;

  const assistantTurn = (extendPrevious: boolean): ChatMessage => {
    const previous = messages.at(-1);
    const message = extendPrevious && previous?.role === 'assistant' ? previous : pushed(messages, { role: 'assistant', content: null });
    if (pendingReasoning !== undefined) {
      const earlier = typeof message.reasoning_content === 'string' ? `${message.reasoning_content}\n\n` : '';
      message.reasoning_content = earlier + pendingReasoning;
      pendingReasoning = undefined;
    }
    return message;
  };

  input.forEach((item, index) => {
    const param = `input[${index}]`;
    if (!isJsonObject(item)) throw invalidRequest('Each input item must be an object.', param);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (typeof role !== 'string' || !messageRoles.has(role)) {
          throw invalidRequest('A message role must be one of user, system, developer or assistant.', `${param}.role`);
        }
        if (role === 'assistant') {
          assistantTurn(false).content = assistantText(item.content, `${param}.content`, untranslatable);
        } else {
          messages.push({ role: role as ChatMessage['role'], content: messageContent(item.content, `${param}.content`, untranslatable) });
        }
        break;
      }
      case 'function_call': {
        const call: ToolCall = {
          id: requireString(item.call_id, `${param}.call_id`),
          type: 'function',
          function: { name: requireString(item.name, `${param}.name`), arguments: requireString(item.arguments, `${param}.arguments`) },
        };
        const message = assistantTurn(true);
        message.tool_calls = [...(message.tool_calls ?? []), call];
        break;
      }
      case 'function_call_output':
        messages.push({
          role: 'tool',
          tool_call_id: requireString(item.call_id, `${param}.call_id`),
          content: toolOutput(item.output, `${param}.output`, untranslatable),
        });
        break;
      case 'reasoning': {
        const summary = reasoningSummary(item.summary);
        if (summary) pendingReasoning = pendingReasoning === undefined ? summary : `${pendingReasoning}\n\n${summary}`;
        break;
      }
      default:
        untranslatable.note(`Input items of type "${String(type)}" (only message, function_call, function_call_output and reasoning items translate)`, `${param}.type`, item);
    }
  });
  return messages;
}

function pushed(messages: ChatMessage[], message: ChatMessage): ChatMessage {
  messages.push(message);
  return message;
}

function messageContent(content: unknown, param: string, untranslatable: Untranslatable): string | ContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidRequest('Message content must be a string or a list of content parts.', param);
  return content.flatMap((part, index) => contentPart(part, `${param}[${index}]`, untranslatable));
}

function contentPart(part: unknown, param: string, untranslatable: Untranslatable): ContentPart[] {
  if (!isJsonObject(part)) throw invalidRequest('Each content part must be an object.', param);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return [{ type: 'text', text: requireString(part.text, `${param}.text`) }];
    case 'refusal':
      return [{ type: 'text', text: requireString(part.refusal, `${param}.refusal`) }];
    case 'input_image': {
      if (part.file_id !== undefined && part.file_id !== null) {
        untranslatable.note('Images by file_id (send image_url, a URL or a data URL, to translate)', `${param}.file_id`, part);
        return [];
      }
      const url = requireString(part.image_url, `${param}.image_url`);
      const detail = typeof part.detail === 'string' && imageDetails.has(part.detail) ? (part.detail as 'auto' | 'low' | 'high') : undefined;
      return [{ type: 'image_url', image_url: detail ? { url, detail } : { url } }];
    }
    default:
      untranslatable.note(`Content parts of type "${String(part.type)}"`, `${param}.type`, part);
      return [];
  }
}

/** Assistant turns go to providers as plain text: no provider takes images from the assistant. */
function assistantText(content: unknown, param: string, untranslatable: Untranslatable): string {
  const decoded = messageContent(content, param, untranslatable);
  if (typeof decoded === 'string') return decoded;
  return decoded
    .map((part, index) => {
      if (part.type !== 'text') throw invalidRequest('Assistant messages may hold only text.', `${param}[${index}]`);
      return String(part.text);
    })
    .join('');
}

/** Tool results are text for every provider, so text parts are joined. */
function toolOutput(output: unknown, param: string, untranslatable: Untranslatable): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw invalidRequest('A function_call_output needs an "output" string or list of content parts.', param);
  return output
    .flatMap((part, index) => {
      if (!isJsonObject(part)) throw invalidRequest('Each content part must be an object.', `${param}[${index}]`);
      if (part.type === 'input_text') return [requireString(part.text, `${param}[${index}].text`)];
      untranslatable.note('Tool output parts other than input_text', `${param}[${index}].type`, part);
      return [];
    })
    .join('\n');
}

function reasoningSummary(summary: unknown): string {
  if (!Array.isArray(summary)) return '';
  return summary
    .filter((part): part is { text: string } => isJsonObject(part) && typeof part.text === 'string' && part.text !== '')
    .map((part) => part.text)
    .join('\n\n');
}
