import type { Server } from 'node:http';

const idleSweepMs = 50;

/**
 * Stops accepting connections, lets requests and streams in flight finish,
 * and closes each connection as soon as it has nothing left to send. After
 * `graceMs`, whatever is still open is closed. Resolves once every connection
 * is gone.
 */
export async function closeGracefully(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Requests still arriving on kept-alive connections are answered, then their connection closes.
  server.on('request', (_req, res) => res.setHeader('connection', 'close'));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
