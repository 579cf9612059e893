import { request } from 'node:http';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';

/**
 * A loopback relay that records each request exactly as a client sent it and
 * forwards it, bytes and headers unchanged, to `target`, streaming the answer
 * back: put between a client and the gateway, it shows what the client sent,
 * to compare with what a provider received.
 */
export function startRecordingRelay(target: string): Promise<FakeServer> {
  const { hostname, port, host } = new URL(target);
  return startFakeServer(
    (received, res) =>
      new Promise<void>((resolve, reject) => {
        const forwarded = request({ hostname, port, method: received.method, path: received.path, headers: { ...received.headers, host } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        });
        forwarded.on('error', reject);
        forwarded.end(received.raw);
      }),
  );
}
