import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type FakeHandler, type FakeServer, type ReceivedRequest } from './fake-server.js';
import { chatToolRoundTrip, chatToolRoundTripModel } from './chat-tool-round-trip.js';
import { createResponsesHandler } from './openai-responses-fake.js';
import { refusedReasoningParameter } from './openai-reasoning-params.js';
import { recordedChunks, recordedJson } from './recordings.js';

/** The exact SSE bytes the fake sends for a capture: what a passthrough gateway must deliver unchanged. */
export function sseBytesOf(chunks: string[]): string {
  return chunks.map((chunk) => `data: ${chunk}\n\n`).join('') + 'data: [DONE]\n\n';
}

/**
 * An OpenAI-format provider that replays one capture (e.g. `openai/openai-text`):
 * the `.json` for non-stream requests, the `.chunks.txt` as SSE for stream requests
 * (the model `chatToolRoundTripModel` plays a tool round trip instead). Like
 * the real API it refuses a reasoning model's legacy parameters (`max_tokens`,
 * sampling; see openai-reasoning-params.ts). It also speaks the Responses API
 * (`POST /v1/responses`, see openai-responses-fake.ts).
 */
export function replayOpenAI(recording: string, models: string[] = ['gpt-4.1-nano']): FakeHandler {
  const response = recordedJson(recording);
  const chunks = recordedChunks(recording);
  const answerResponses = createResponsesHandler();
  return async (req, res) => {
    if (req.method === 'POST' && req.path.endsWith('/responses')) return answerResponses(req, res);
    if (req.method === 'GET' && req.path.endsWith('/models')) {
      return json(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
    }
    if (req.method === 'POST' && req.path.endsWith('/embeddings')) {
      const inputs: unknown[] = Array.isArray(req.body?.input) ? req.body.input : [req.body?.input];
      return json(res, 200, {
        object: 'list',
        data: inputs.map((_input, index) => ({ object: 'embedding', index, embedding: [0.25, -0.5, index] })),
        model: req.body?.model,
        usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length },
      });
    }
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) return json(res, 404, { error: { message: 'not found' } });
    const invalid = invalidChatRequest(req);
    if (invalid) return json(res, 400, { error: { message: invalid, type: 'invalid_request_error', param: null, code: null } });
    const refusedParameter = refusedReasoningParameter(req.body);
    if (refusedParameter) return json(res, 400, { error: refusedParameter });
    if (req.body.model === chatToolRoundTripModel) return chatToolRoundTrip(req, res);
    if (req.body.stream !== true) return json(res, 200, response);
    // Like the real API: the usage chunk only for requests that ask for it.
    await writeSse(res, req.body.stream_options?.include_usage === true ? chunks : chunks.filter((chunk) => !isUsageChunk(chunk)));
  };
}

export function isUsageChunk(line: string): boolean {
  const chunk = JSON.parse(line) as { choices?: unknown[]; usage?: unknown };
  return chunk.choices?.length === 0 && Boolean(chunk.usage);
}

/** Writes each event in two writes split mid-line, so that receivers must join lines across reads. */
export async function writeSse(res: ServerResponse, chunks: string[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of [...chunks.map((chunk) => `data: ${chunk}\n\n`), 'data: [DONE]\n\n']) {
    const middle = Math.floor(event.length / 2);
    res.write(event.slice(0, middle));
    await new Promise((resolve) => setImmediate(resolve));
    res.write(event.slice(middle));
  }
  res.end();
}

/** What the real API would reject with 400 for a chat request. */
function invalidChatRequest(req: ReceivedRequest): string | undefined {
  if (req.headers['content-type'] !== 'application/json') return 'content-type must be application/json';
  if (typeof req.body?.model !== 'string') return 'you must provide a model parameter';
  if (!Array.isArray(req.body.messages)) return "Missing required parameter: 'messages'.";
  return undefined;
}

export function startOpenAIFake(recording = 'openai/openai-text', models?: string[]): Promise<FakeServer> {
  return startFakeServer(replayOpenAI(recording, models));
}
