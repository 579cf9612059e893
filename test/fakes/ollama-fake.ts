import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';

/**
 * Ollama's native API (`/api/chat`, `/api/tags`, `/api/embed`), written from its
 * public documentation: NDJSON streaming (streaming is the default when `stream`
 * is absent), tool call arguments as objects, images as bare base64, usage as
 * `prompt_eval_count` / `eval_count`. It rejects requests the real server would.
 */
export interface OllamaScript {
  /** The reply's text, streamed in these pieces. */
  pieces: string[];
  toolCalls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  doneReason?: 'stop' | 'length';
  promptEvalCount: number;
  evalCount: number;
}

export const ollamaModels = ['llama3.2:latest', 'qwen2.5:7b'];

export function startOllamaFake(script: OllamaScript): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (req.method === 'GET' && req.path === '/api/tags') {
      return json(res, 200, { models: ollamaModels.map((name) => ({ name, model: name, size: 1, digest: 'sha256:0' })) });
    }
    if (req.method === 'POST' && req.path === '/api/embed') {
      const inputs: unknown[] = Array.isArray(req.body?.input) ? req.body.input : [req.body?.input];
      return json(res, 200, { model: req.body?.model, embeddings: inputs.map(() => [0.1, 0.2, 0.3]), prompt_eval_count: 4 });
    }
    if (req.method !== 'POST' || req.path !== '/api/chat') return json(res, 404, { error: '404 page not found' });
    const invalid = invalidChatRequest(req);
    if (invalid) return json(res, 400, { error: invalid });
    if (!ollamaModels.includes(req.body.model) && !ollamaModels.includes(`${req.body.model}:latest`)) {
      return json(res, 404, { error: `model "${req.body.model}" not found, try pulling it first` });
    }
    const model = req.body.model as string;
    const createdAt = '2026-11-27T12:00:00.000Z';
    const final = {
      model,
      created_at: createdAt,
      done: true,
      done_reason: script.doneReason ?? 'stop',
      total_duration: 1_000_000,
      load_duration: 1_000,
      prompt_eval_count: script.promptEvalCount,
      prompt_eval_duration: 1_000,
      eval_count: script.evalCount,
      eval_duration: 1_000,
    };
    if (req.body.stream === false) {
      const message = { role: 'assistant', content: script.pieces.join(''), ...(script.toolCalls ? { tool_calls: script.toolCalls } : {}) };
      return json(res, 200, { ...final, message });
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const piece of script.pieces) {
      res.write(`${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: piece }, done: false })}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (script.toolCalls) {
      res.write(`${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: '', tool_calls: script.toolCalls }, done: false })}\n`);
    }
    res.end(`${JSON.stringify({ ...final, message: { role: 'assistant', content: '' } })}\n`);
  });
}

const roles = new Set(['system', 'user', 'assistant', 'tool']);

function invalidChatRequest(req: ReceivedRequest): string | undefined {
  const body = req.body;
  if (typeof body?.model !== 'string' || body.model === '') return 'model is required';
  if (!Array.isArray(body.messages)) return 'messages must be an array';
  for (const message of body.messages) {
    if (!roles.has(message.role)) return `invalid role: ${message.role}`;
    if (typeof message.content !== 'string') return 'message content must be a string';
    for (const image of message.images ?? []) {
      if (typeof image !== 'string' || image.startsWith('data:')) return 'images must be base64 strings';
    }
    for (const call of message.tool_calls ?? []) {
      if (typeof call.function?.arguments !== 'object' || Array.isArray(call.function.arguments)) return 'tool call arguments must be an object';
    }
  }
  return undefined;
}
