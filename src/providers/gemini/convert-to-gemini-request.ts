import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/types.js';
import { appendTurn } from '../shared/append-turn.js';
import { parseDataUrl } from '../shared/data-url.js';
import { parseToolArguments, textOf, toolCallNames } from '../shared/message-content.js';
import { definedOnly } from '../shared/defined-only.js';
import { reasoningEffortOf } from '../shared/reasoning-effort.js';
import { samplingOf } from '../shared/sampling.js';
import { sanitizeJsonSchema } from './sanitize-json-schema.js';
import { signatureOf } from './thought-signature.js';
import type { GeminiContent, GeminiPart, GeminiRequest } from './wire-types.js';

/** Thinking budgets for `reasoning_effort`; 0 turns thinking off. */
const thinkingBudgets = { none: 0, low: 1024, medium: 8192, high: 24_576 } as const;

const imageTypesByExtension = new Map([
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['gif', 'image/gif'],
  ['heic', 'image/heic'],
]);

/** OpenAI chat request → Gemini `generateContent` request. Pure; throws a 400 for what Gemini cannot take. */
export function convertToGeminiRequest(req: ChatRequest): GeminiRequest {
  const names = toolCallNames(req.messages);
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  req.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (message.role === 'system' || message.role === 'developer') {
      system.push(textOf(message, param, 'Gemini'));
      return;
    }
    appendTurn(contents, convertMessage(message, param, names), (turn) => turn.parts);
  });

  const body: GeminiRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  applyTools(req, body);
  const generationConfig = convertGenerationConfig(req);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function convertMessage(message: ChatMessage, param: string, names: Map<string, string>): GeminiContent {
  switch (message.role) {
    case 'user':
      return { role: 'user', parts: userParts(message.content, param) };
    case 'assistant': {
      const parts: GeminiPart[] = [];
      const text = textOf(message, param, 'Gemini');
      if (text !== '') parts.push({ text });
      message.tool_calls?.forEach((call, index) => {
        const part: GeminiPart = {
          functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `${param}.tool_calls[${index}].function.arguments`) },
        };
        const signature = signatureOf(call.id);
        if (signature) part.thoughtSignature = signature;
        parts.push(part);
      });
      return { role: 'model', parts };
    }
    case 'tool': {
      const name = message.tool_call_id ? names.get(message.tool_call_id) : undefined;
      if (!name) {
        throw new GatewayError(400, 'A tool message must answer a tool call of an earlier assistant message (its "tool_call_id").', {
          param: `${param}.tool_call_id`,
        });
      }
      return { role: 'user', parts: [{ functionResponse: { name, response: toolResponse(textOf(message, param, 'Gemini')) } }] };
    }
    default:
      throw new GatewayError(400, `Gemini does not accept messages with role "${message.role}".`, { param: `${param}.role` });
  }
}

/** Gemini wants a tool result as an object: a JSON object result is sent as it is, anything else under `content`. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Plain text.
  }
  return { content: text };
}

function userParts(content: ChatMessage['content'], param: string): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, index) => userPart(part, `${param}.content[${index}]`));
}

function userPart(part: ContentPart, param: string): GeminiPart {
  if (part.type === 'text') return { text: String(part.text ?? '') };
  if (part.type === 'image_url') {
    const url = String((part as { image_url?: { url?: unknown } }).image_url?.url ?? '');
    const inline = parseDataUrl(url);
    if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
    if (url.startsWith('https://') || url.startsWith('gs://')) return { fileData: { mimeType: imageTypeOf(url), fileUri: url } };
    throw new GatewayError(400, 'An image must be a data: URL or an https:// (or gs://) URL Gemini can read.', { param: `${param}.image_url.url` });
  }
  throw new GatewayError(400, `Gemini does not accept content parts of type "${part.type}".`, { param: `${param}.type` });
}

function imageTypeOf(url: string): string {
  const path = url.split('?')[0] ?? url;
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return imageTypesByExtension.get(extension) ?? 'image/jpeg';
}

function applyTools(req: ChatRequest, body: GeminiRequest): void {
  if (!Array.isArray(req.tools) || req.tools.length === 0) return;
  body.tools = [
    {
      functionDeclarations: req.tools.map((tool) => {
        const declaration: { name: string; description?: string; parameters?: Record<string, unknown> } = { name: tool.function.name };
        if (tool.function.description) declaration.description = tool.function.description;
        const parameters = tool.function.parameters;
        // Gemini rejects an object schema without properties; a function without arguments simply has no parameters.
        if (parameters && Object.keys((parameters.properties as object | undefined) ?? {}).length > 0) declaration.parameters = sanitizeJsonSchema(parameters);
        return declaration;
      }),
    },
  ];
  const choice = req.tool_choice;
  if (choice === 'none') body.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  else if (choice === 'auto') body.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (choice !== undefined && choice !== null) {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    if (typeof name !== 'string') {
      throw new GatewayError(400, '"tool_choice" must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.', { param: 'tool_choice' });
    }
    body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  }
}

function convertGenerationConfig(req: ChatRequest): NonNullable<GeminiRequest['generationConfig']> {
  const sampling = samplingOf(req);
  const config: NonNullable<GeminiRequest['generationConfig']> = definedOnly({
    maxOutputTokens: sampling.maxTokens,
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    seed: sampling.seed,
    presencePenalty: sampling.presencePenalty,
    frequencyPenalty: sampling.frequencyPenalty,
    stopSequences: sampling.stop,
  });
  const format = req.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && format.json_schema?.schema) config.responseSchema = sanitizeJsonSchema(format.json_schema.schema);
  const effort = reasoningEffortOf(req);
  if (effort !== undefined) {
    const budget = thinkingBudgets[effort];
    // The thinking comes back as thought parts, which the gateway shows as reasoning_content.
    config.thinkingConfig = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  }
  return config;
}
