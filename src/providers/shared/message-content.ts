import { GatewayError } from '../../core/errors.js';
import type { ChatMessage } from '../../core/types.js';

/** The text of a message whose content may only be text: a string, or text parts joined by `separator`. */
export function textOf(message: ChatMessage, param: string, provider: string, separator = '\n'): string {
  if (message.content === null || message.content === undefined) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part, index) => {
      if (part.type !== 'text') {
        throw new GatewayError(400, `${provider} accepts only text in ${message.role} messages.`, { param: `${param}.content[${index}]` });
      }
      return String(part.text ?? '');
    })
    .join(separator);
}

/** Tool call id → function name, from the assistant messages of a conversation; for providers whose tool results carry a name, not an id. */
export function toolCallNames(messages: ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  return names;
}

/** Tool call arguments (a JSON string in OpenAI's format) as the object most providers want. */
export function parseToolArguments(argumentsJson: string, param: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = argumentsJson.trim() === '' ? {} : JSON.parse(argumentsJson);
  } catch {
    throw new GatewayError(400, 'Tool call arguments must be a JSON object.', { param });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError(400, 'Tool call arguments must be a JSON object.', { param });
  }
  return parsed as Record<string, unknown>;
}
