import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';

/**
 * Replicate's predictions API for Llama chat models, written from its public
 * documentation: `POST /v1/models/{owner}/{name}/predictions` (or
 * `/v1/predictions` with a version), `Prefer: wait` for a synchronous answer,
 * `GET /v1/predictions/{id}`, and `urls.stream` serving SSE `output` / `done`
 * events. With `slow`, predictions are still running when created and finish
 * on the second poll.
 */
export interface ReplicateScript {
  pieces: string[];
  inputTokens: number;
  outputTokens: number;
  slow?: boolean;
  /** Where stream URLs point, like Replicate's separate streaming host; by default this server's `/stream/`. */
  streamBase?: string;
}

const models = new Set(['meta/meta-llama-3-70b-instruct', 'meta/meta-llama-3-8b-instruct']);

export function startReplicateFake(script: ReplicateScript): Promise<FakeServer> {
  const polls = new Map<string, number>();
  let next = 0;
  let base = '';
  const prediction = (id: string, status: string) => ({
    id,
    model: 'meta/meta-llama-3-70b-instruct',
    status,
    output: status === 'succeeded' ? script.pieces : null,
    error: null,
    metrics: status === 'succeeded' ? { input_token_count: script.inputTokens, output_token_count: script.outputTokens } : {},
    urls: { get: `${base}/v1/predictions/${id}`, cancel: `${base}/v1/predictions/${id}/cancel`, stream: `${script.streamBase ?? base}/stream/${id}` },
  });
  return startFakeServer(async (req, res) => {
    if (req.headers.authorization !== 'Bearer r8_test') return json(res, 401, { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 });
    const official = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(req.path);
    if (req.method === 'POST' && (official || req.path === '/v1/predictions')) {
      if (official && !models.has(official[1] as string)) return json(res, 404, { title: 'Not found', detail: 'The requested resource could not be found.', status: 404 });
      if (!official && typeof req.body?.version !== 'string') return json(res, 422, { title: 'Input validation failed', detail: '- version: Required', status: 422 });
      if (typeof req.body?.input?.prompt !== 'string') return json(res, 422, { title: 'Input validation failed', detail: '- input.prompt: Required', status: 422 });
      const id = `p${++next}`;
      const sync = req.headers.prefer === 'wait' && !script.slow && req.body.stream !== true;
      return json(res, 201, prediction(id, sync ? 'succeeded' : 'starting'));
    }
    const poll = /^\/v1\/predictions\/(p\d+)$/.exec(req.path);
    if (req.method === 'GET' && poll) {
      const id = poll[1] as string;
      const count = (polls.get(id) ?? 0) + 1;
      polls.set(id, count);
      return json(res, 200, prediction(id, script.slow && count < 2 ? 'processing' : 'succeeded'));
    }
    if (req.method === 'GET' && req.path.startsWith('/stream/')) return serveStream(req, res, script.pieces);
    json(res, 404, { title: 'Not found', detail: 'The requested resource could not be found.', status: 404 });
  }).then((server) => {
    base = server.url;
    return server;
  });
}

/** Replicate's streaming host, on an origin of its own: it takes stream URLs without a token, as the real one does. */
export function startReplicateStreamHost(pieces: string[]): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.method === 'GET' && req.path.startsWith('/stream/')) return serveStream(req, res, pieces);
    json(res, 404, { detail: 'Not found' });
  });
}

async function serveStream(req: ReceivedRequest, res: ServerResponse, pieces: string[]): Promise<void> {
  if (req.headers.accept !== 'text/event-stream') return json(res, 406, { detail: 'Accept text/event-stream' });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of pieces) {
    res.write(`event: output\nid: ${Date.now()}:0\n${piece.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end('event: done\ndata: {}\n\n');
}
