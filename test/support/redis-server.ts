import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A real `redis-server` on a free loopback port, in a directory of its own, for one test file. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL): clients see it vanish, as in an outage. */
  kill(): Promise<void>;
  /** Stops the server (SIGSTOP) without closing its connections: a Redis that stalls rather than dies. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT); it answers what was sent meanwhile. */
  resume(): void;
  /** Starts it again on the same port, empty (nothing was persisted). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(dir, port);
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    async kill() {
      if (child) await stopProcess(child, 'SIGKILL');
      child = undefined;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart() {
      if (child) await stopProcess(child, 'SIGKILL');
      child = await launch(dir, port);
    },
    async stop() {
      if (child) await stopProcess(child, 'SIGTERM');
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error) => reject(new Error(`redis-server could not start (is Debian's redis-server installed?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it answered`)));
  });
  await Promise.race([answers(port), failed]);
  return child;
}

/** Waits until the server answers PING. */
async function answers(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    // A paused server acts on SIGTERM only once it runs again.
    child.kill('SIGCONT');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
