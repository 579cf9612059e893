import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';

/** What a careless upstream puts in its errors: every header and the whole body it was sent, and a secret it somehow holds. */
export function echoOf(req: ReceivedRequest, heldSecret: string): string {
  return `rejected ${JSON.stringify(req.headers)} ${req.raw.toString()} (admin is ${heldSecret})`;
}

/**
 * An OpenAI-format upstream that fails with everything it was sent: a 4xx or
 * 5xx (`metadata.status`, 500 by default) whose message (and, with
 * `echoInCode`, code) is the echo, or a stream that breaks off with the echo in
 * its error event.
 */
export function startEchoingUpstream(heldSecret: string, options: { echoInCode?: boolean } = {}): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    const echo = echoOf(req, heldSecret);
    const status = Number(req.body?.metadata?.status ?? 500);
    if (req.body?.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
      res.end(`data: ${JSON.stringify({ error: { message: echo, type: 'server_error' } })}\n\n`);
      return;
    }
    json(res, status, { error: { message: echo, type: status < 500 ? 'invalid_request_error' : 'server_error', param: null, code: options.echoInCode ? echo : null } });
  });
}
