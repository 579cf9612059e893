import { json, startFakeServer, type FakeServer } from './fake-server.js';

/** The fictional MyCorp API that docs/examples/mycorp-adapter.mjs speaks (its format is described there). */
export function startMyCorpFake(reply: { pieces: string[]; input: number; output: number }): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (req.method !== 'POST' || req.path !== '/v1/generate') return json(res, 404, { detail: 'no such endpoint' });
    if (!Array.isArray(req.body?.turns) || typeof req.body.max_new_tokens !== 'number') return json(res, 422, { detail: 'turns and max_new_tokens are required' });
    if (req.body.model === 'overloaded') return json(res, 503, { detail: 'MyCorp is overloaded' });
    const tokens = { input: reply.input, output: reply.output };
    if (!req.body.stream) return json(res, 200, { output: reply.pieces.join(''), stop_reason: 'end', tokens });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const piece of reply.pieces) res.write(`data: ${JSON.stringify({ delta: piece })}\n\n`);
    res.end(`data: ${JSON.stringify({ stop_reason: 'end', tokens })}\n\n`);
  });
}
