import { GatewayError } from '../../gateway/errors.js';
import type { ChatMessage, ChatRequest } from '../../types.js';
import type { OllamaChatRequest, OllamaMessage, OllamaToolCall } from './wire-types.js';

const dataUrlPrefix = /^data:[^;,]+;base64,/;

/** OpenAI chat request → Ollama `/api/chat` request. Pure; throws a 400 for what Ollama cannot take. */
export function convertToOllamaRequest(req: ChatRequest): OllamaChatRequest {
  const toolNames = new Map<string, string>();
  const messages = req.messages.map((message, index) => convertMessage(message, index, toolNames));
  const ollama: OllamaChatRequest = { model: req.model, messages, stream: req.stream === true };

  if (req.tools?.length) {
    ollama.tools = req.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters },
    }));
  }
  if (req.response_format?.type === 'json_object') ollama.format = 'json';
  if (req.response_format?.type === 'json_schema') ollama.format = req.response_format.json_schema?.schema ?? 'json';

  const options: NonNullable<OllamaChatRequest['options']> = {};
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (typeof maxTokens === 'number') options.num_predict = maxTokens;
  if (typeof req.temperature === 'number') options.temperature = req.temperature;
  if (typeof req.top_p === 'number') options.top_p = req.top_p;
  if (typeof req.seed === 'number') options.seed = req.seed;
  if (typeof req.frequency_penalty === 'number') options.frequency_penalty = req.frequency_penalty;
  if (typeof req.presence_penalty === 'number') options.presence_penalty = req.presence_penalty;
  if (typeof req.stop === 'string') options.stop = [req.stop];
  else if (Array.isArray(req.stop)) options.stop = req.stop;
  if (Object.keys(options).length > 0) ollama.options = options;
  return ollama;
}

function convertMessage(message: ChatMessage, index: number, toolNames: Map<string, string>): OllamaMessage {
  const param = `messages[${index}]`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message, param) };
    case 'user':
      return userMessage(message, param);
    case 'assistant': {
      const converted: OllamaMessage = { role: 'assistant', content: textOf(message, param) };
      if (message.tool_calls?.length) {
        converted.tool_calls = message.tool_calls.map((call, callIndex) => {
          toolNames.set(call.id, call.function.name);
          return toolCall(call.function.name, call.function.arguments, `${param}.tool_calls[${callIndex}].function.arguments`);
        });
      }
      return converted;
    }
    case 'tool': {
      const name = message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined;
      return name ? { role: 'tool', content: textOf(message, param), tool_name: name } : { role: 'tool', content: textOf(message, param) };
    }
    default:
      throw new GatewayError(400, `Ollama does not accept messages with role "${message.role}".`, { param: `${param}.role` });
  }
}

function userMessage(message: ChatMessage, param: string): OllamaMessage {
  if (!Array.isArray(message.content)) return { role: 'user', content: message.content ?? '' };
  const texts: string[] = [];
  const images: string[] = [];
  message.content.forEach((part, partIndex) => {
    if (part.type === 'text') texts.push(String(part.text ?? ''));
    else if (part.type === 'image_url') {
      const url = String((part as { image_url?: { url?: unknown } }).image_url?.url ?? '');
      const prefix = dataUrlPrefix.exec(url);
      if (!prefix) {
        throw new GatewayError(400, 'Ollama takes images as base64 data: URLs only; download the image and send it inline.', {
          param: `${param}.content[${partIndex}].image_url.url`,
        });
      }
      images.push(url.slice(prefix[0].length));
    } else {
      throw new GatewayError(400, `Ollama does not accept content parts of type "${part.type}".`, { param: `${param}.content[${partIndex}].type` });
    }
  });
  return images.length > 0 ? { role: 'user', content: texts.join('\n'), images } : { role: 'user', content: texts.join('\n') };
}

function textOf(message: ChatMessage, param: string): string {
  if (message.content === null || message.content === undefined) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part, partIndex) => {
      if (part.type !== 'text') {
        throw new GatewayError(400, `Ollama accepts only text in ${message.role} messages.`, { param: `${param}.content[${partIndex}]` });
      }
      return String(part.text ?? '');
    })
    .join('\n');
}

function toolCall(name: string, argumentsJson: string, param: string): OllamaToolCall {
  let parsed: unknown;
  try {
    parsed = argumentsJson === '' ? {} : JSON.parse(argumentsJson);
  } catch {
    throw new GatewayError(400, 'Tool call arguments must be a JSON object.', { param });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError(400, 'Tool call arguments must be a JSON object.', { param });
  }
  return { function: { name, arguments: parsed as Record<string, unknown> } };
}
