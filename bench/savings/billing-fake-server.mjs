import { createServer } from 'node:http';

/**
 * A billing fake's HTTP server on 127.0.0.1: reads each body, answers the bench's own routes (`GET /__received`
 * lists what was received and billed; `POST /__clock {"now_ms"}` moves the virtual clock) and hands every other
 * request to `handle` with its body's text and a JSON `send`. Resolves with what the bench reads of the fake.
 * @template Bill
 * @param {{ received: Array<{ body: any; bill: Bill }>; billing: { now: number }; port?: number }} fake
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, text: string, send: (status: number, value: unknown) => void) => unknown} handle
 */
export async function startBillingFake({ received, billing, port = 0 }, handle) {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    /** @type {(status: number, value: unknown) => void} */
    const send = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && req.url === '/__received') return send(200, received);
    if (req.method === 'POST' && req.url === '/__clock') {
      billing.now = JSON.parse(text).now_ms;
      return send(200, { now_ms: billing.now });
    }
    return handle(req, res, text, send);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${bound}`,
    received,
    billing,
    /** @param {number} nowMs */
    setNow(nowMs) {
      billing.now = nowMs;
    },
    /** @returns {Promise<void>} */
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
