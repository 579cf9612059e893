// The floor: the least a Node gateway can do. node:http in, undici keep-alive out, bytes piped both
// ways with no parsing.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [, , port, upstream] = process.argv;
const pool = new Pool(upstream, { keepAliveTimeout: 30_000 });

const server = createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({ method: req.method, path: req.url, headers: { 'content-type': 'application/json' }, body: req });
    res.writeHead(statusCode, { 'content-type': headers['content-type'] ?? 'application/json' });
    for await (const part of body) if (!res.write(part)) await new Promise((resolve) => res.once('drain', resolve));
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`LISTENING http://127.0.0.1:${server.address().port}`));
