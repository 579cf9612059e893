import { existsSync } from 'node:fs';
import path from 'node:path';
import { json, startFakeServer, type FakeServer } from './fake-server.js';
import { geminiToolRoundTrip, geminiToolRoundTripModel } from './gemini-tool-round-trip.js';
import { recordedChunks, recordedJson, recordingsDir } from './recordings.js';

/** Keys Gemini's Schema accepts; anything else in function parameters is a 400, as from the real API. */
const schemaKeys = new Set(['type', 'format', 'description', 'nullable', 'enum', 'properties', 'required', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'anyOf', 'propertyOrdering', 'title']);
const partKeys = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'];

/**
 * Gemini's API, replaying the capture named by the model in the URL
 * (`models/google-text:generateContent` replays `google/google-text`; the model
 * `geminiToolRoundTripModel` plays a function round trip), streams
 * as SSE with CRLF line ends. Like Gemini 3 it refuses unknown schema keys,
 * function calls without their thought signature, and function calls not
 * answered by the same number of function responses.
 */
export function startGeminiFake(options: { totalTokens?: number } = {}): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (!req.headers['x-goog-api-key']) return geminiError(res, 403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers. Please use an API key.');
    const match = /^\/v1beta\/models\/([^:/?]+):(\w+)(\?alt=sse)?$/.exec(req.path);
    if (req.method === 'GET' && req.path.startsWith('/v1beta/models?')) {
      return json(res, 200, { models: [{ name: 'models/gemini-2.5-flash' }, { name: 'models/text-embedding-004' }] });
    }
    if (req.method !== 'POST' || !match) return geminiError(res, 404, 'NOT_FOUND', `${req.path} not found`);
    const [, model, method, sse] = match as unknown as [string, string, string, string | undefined];
    if (method === 'countTokens') return json(res, 200, { totalTokens: options.totalTokens ?? 0 });
    if (method === 'batchEmbedContents') {
      const requests = req.body?.requests ?? [];
      if (!requests.every((request: { model?: string }) => request.model === `models/${model}`)) return geminiError(res, 400, 'INVALID_ARGUMENT', 'model mismatch');
      return json(res, 200, { embeddings: requests.map((_: unknown, index: number) => ({ values: [index, 0.5] })) });
    }
    if (model === 'google-429-retry-info') return json(res, 429, recordedJson('google/google-429-retry-info'));
    const invalid = invalidRequest(req.body);
    if (invalid) return geminiError(res, 400, 'INVALID_ARGUMENT', invalid);

    const streaming = method === 'streamGenerateContent' && sse !== undefined;
    if (model === geminiToolRoundTripModel) return geminiToolRoundTrip(req, res, streaming);
    const recording = `google/${model}`;
    if (!existsSync(path.join(recordingsDir, `${recording}.${streaming ? 'chunks.txt' : 'json'}`))) {
      return geminiError(res, 404, 'NOT_FOUND', `models/${model} is not found for API version v1beta`);
    }
    if (!streaming) return json(res, 200, recordedJson(recording));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const line of recordedChunks(recording)) {
      res.write(`data: ${line}\r\n\r\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  });
}

function geminiError(res: Parameters<typeof json>[0], code: number, status: string, message: string): void {
  json(res, code, { error: { code, message, status } });
}

function invalidRequest(body: any): string | undefined {
  if (!Array.isArray(body?.contents) || body.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  for (const [index, content] of body.contents.entries()) {
    if (content.role !== 'user' && content.role !== 'model') return `contents[${index}].role must be user or model`;
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `contents[${index}].parts must not be empty`;
    for (const part of content.parts) {
      const kinds = partKeys.filter((key) => key in part);
      if (kinds.length !== 1) return `contents[${index}].parts: each part holds exactly one of ${partKeys.join(', ')}`;
      if (part.functionCall && !part.thoughtSignature) return `Function call is missing a thought_signature in functionCall parts (contents[${index}])`;
      if (part.functionResponse && (typeof part.functionResponse.response !== 'object' || Array.isArray(part.functionResponse.response))) {
        return `contents[${index}].functionResponse.response must be an object`;
      }
    }
    const calls = content.parts.filter((part: { functionCall?: unknown }) => part.functionCall);
    if (calls.length > 0) {
      const answers = (body.contents[index + 1]?.parts ?? []).filter((part: { functionResponse?: unknown }) => part.functionResponse);
      if (answers.length !== calls.length) {
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      }
    }
  }
  for (const declaration of body.tools?.[0]?.functionDeclarations ?? []) {
    const unknown = unknownSchemaKey(declaration.parameters ?? {}, `tools[0].function_declarations.parameters`);
    if (unknown) return `Invalid JSON payload received. Unknown name "${unknown.key}" at '${unknown.at}': Cannot find field.`;
  }
  const schema = body.generationConfig?.responseSchema;
  if (schema) {
    const unknown = unknownSchemaKey(schema, 'generation_config.response_schema');
    if (unknown) return `Invalid JSON payload received. Unknown name "${unknown.key}" at '${unknown.at}': Cannot find field.`;
  }
  return undefined;
}

function unknownSchemaKey(schema: Record<string, unknown>, at: string): { key: string; at: string } | undefined {
  for (const [key, value] of Object.entries(schema)) {
    if (!schemaKeys.has(key)) return { key, at };
    if (key === 'properties') {
      for (const [name, child] of Object.entries(value as Record<string, Record<string, unknown>>)) {
        const found = unknownSchemaKey(child, `${at}.properties[${name}]`);
        if (found) return found;
      }
    }
    if (key === 'items') {
      const found = unknownSchemaKey(value as Record<string, unknown>, `${at}.items`);
      if (found) return found;
    }
  }
  return undefined;
}
