import { json, type FakeHandler } from './fake-server.js';

/** Answers every request with an error status and an OpenAI-shaped body. */
export function failWith(status: number, message = `injected ${status}`, headers: Record<string, string> = {}): FakeHandler {
  return (_req, res) => json(res, status, { error: { message, type: 'server_error', param: null, code: null } }, headers);
}

/** Never answers; the gateway's timeout must end the attempt. */
export function hang(): FakeHandler {
  return () => new Promise<void>(() => undefined);
}

/** Drops the connection before any response byte. */
export function resetConnection(): FakeHandler {
  return (_req, res) => {
    res.socket?.destroy();
  };
}
