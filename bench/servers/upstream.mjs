// The zero-delay OpenAI-format upstream every benchmark target points at: a ~500-byte answer, or a
// 100-chunk stream written as fast as the socket takes it. Model "bench-slow" streams one chunk
// every `interval` ms (argument 2, default 50), to hold many streams open at once.
import { createServer } from 'node:http';

const slowIntervalMs = Number(process.argv[3] ?? 50);

const answer = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1770000000,
  model: 'gpt-4.1-nano-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Galaxy Day is a holiday for stargazing, cosmic costumes and celestial art, celebrated with telescopes in parks, parades of planets and astronauts, and light shows of nebulae across the city. ', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 16, completion_tokens: 60, total_tokens: 76 },
  system_fingerprint: 'fp_bench',
});
const chunk = (content) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1770000000,"model":"gpt-4.1-nano-2025-04-14","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}],"usage":null}\n\n`;
const streamChunks = Array.from({ length: 98 }, (_, index) => chunk(`word${index} `));
const finish = 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1770000000,"model":"gpt-4.1-nano-2025-04-14","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n';
const usage = 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1770000000,"model":"gpt-4.1-nano-2025-04-14","choices":[],"usage":{"prompt_tokens":16,"completion_tokens":98,"total_tokens":114}}\n\n';

const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', async () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"object":"list","data":[]}');
    }
    const body = JSON.parse(Buffer.concat(parts).toString() || '{}');
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      return res.end(answer);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const slow = body.model === 'bench-slow';
    for (const piece of streamChunks) {
      if (res.destroyed) return;
      res.write(piece);
      if (slow) await new Promise((resolve) => setTimeout(resolve, slowIntervalMs));
    }
    res.write(finish);
    if (body.stream_options?.include_usage) res.write(usage);
    res.end('data: [DONE]\n\n');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`LISTENING http://127.0.0.1:${server.address().port}`));
