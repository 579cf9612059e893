import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest } from '../../core/types.js';
import { parseDataUrl } from '../shared/data-url.js';
import { parseToolArguments, textOf, toolCallNames } from '../shared/message-content.js';
import { definedOnly } from '../shared/defined-only.js';
import { samplingOf } from '../shared/sampling.js';
import type { OllamaChatRequest, OllamaMessage } from './wire-types.js';

/** OpenAI chat request → Ollama `/api/chat` request. Pure; throws a 400 for what Ollama cannot take. */
export function convertToOllamaRequest(req: ChatRequest): OllamaChatRequest {
  const names = toolCallNames(req.messages);
  const messages = req.messages.map((message, index) => convertMessage(message, `messages[${index}]`, names));
  const ollama: OllamaChatRequest = { model: req.model, messages, stream: req.stream === true };

  if (Array.isArray(req.tools) && req.tools.length > 0) {
    ollama.tools = req.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters },
    }));
  }
  if (req.response_format?.type === 'json_object') ollama.format = 'json';
  if (req.response_format?.type === 'json_schema') ollama.format = req.response_format.json_schema?.schema ?? 'json';

  const sampling = samplingOf(req);
  const options = definedOnly({
    num_predict: sampling.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    top_k: sampling.topK,
    seed: sampling.seed,
    frequency_penalty: sampling.frequencyPenalty,
    presence_penalty: sampling.presencePenalty,
    stop: sampling.stop,
  });
  if (Object.keys(options).length > 0) ollama.options = options;
  return ollama;
}

function convertMessage(message: ChatMessage, param: string, names: Map<string, string>): OllamaMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message, param, 'Ollama') };
    case 'user':
      return userMessage(message, param);
    case 'assistant': {
      const converted: OllamaMessage = { role: 'assistant', content: textOf(message, param, 'Ollama') };
      if (message.tool_calls?.length) {
        converted.tool_calls = message.tool_calls.map((call, callIndex) => ({
          function: { name: call.function.name, arguments: parseToolArguments(call.function.arguments, `${param}.tool_calls[${callIndex}].function.arguments`) },
        }));
      }
      return converted;
    }
    case 'tool': {
      const name = message.tool_call_id ? names.get(message.tool_call_id) : undefined;
      const content = textOf(message, param, 'Ollama');
      return name ? { role: 'tool', content, tool_name: name } : { role: 'tool', content };
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
      const image = parseDataUrl(String((part as { image_url?: { url?: unknown } }).image_url?.url ?? ''));
      if (!image) {
        throw new GatewayError(400, 'Ollama takes images as base64 data: URLs only; download the image and send it inline.', {
          param: `${param}.content[${partIndex}].image_url.url`,
        });
      }
      images.push(image.data);
    } else {
      throw new GatewayError(400, `Ollama does not accept content parts of type "${part.type}".`, { param: `${param}.content[${partIndex}].type` });
    }
  });
  return images.length > 0 ? { role: 'user', content: texts.join('\n'), images } : { role: 'user', content: texts.join('\n') };
}
