import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { readImageRuntime, type ImageRuntime } from '../support/dockerfile.js';

const root = path.resolve(import.meta.dirname, '../..');

/** What the container fixes, and what this test changes for a run on this machine: nothing else. */
const container = { config: '/etc/tokenpak/proxy.yaml', volume: '/var/lib/tokenpak', host: '0.0.0.0', port: '8766' };

describe('the Docker image, as its ENTRYPOINT, CMD, ENV and HEALTHCHECK say', () => {
  let image: ImageRuntime;
  let upstream: FakeServer;
  let gateway: ReturnType<typeof runLikeTheContainer>;
  let volume: string;
  /** Where the gateway answers, without /v1. */
  let url: string;

  beforeAll(async () => {
    image = await readImageRuntime(path.join(root, 'Dockerfile'));
    upstream = await startOpenAIFake();
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-container-'));
    volume = path.join(dir, 'var-lib-tokenpak');
    await mkdir(volume);
    const config = path.join(dir, 'proxy.yaml');
    await writeFile(
      config,
      [
        'providers:',
        `  openai: { type: openai, base_url: "${upstream.url}/v1", api_key: "\${OPENAI_API_KEY}" }`,
        'routing: { primary: openai }',
        `usage: { db_path: ${path.join(volume, 'usage.db')} }`,
        '',
      ].join('\n'),
    );
    gateway = runLikeTheContainer(image, { config, volume });
    url = await gateway.listeningUrl;
  });

  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await upstream?.close();
  });

  it('listens on every interface on port 8766 inside the container, as a non-root user, with its config at /etc/tokenpak', () => {
    expect(image.cmd).toEqual(expect.arrayContaining(['serve']));
    expect(optionValue(image.cmd, '--host')).toBe(container.host);
    expect(optionValue(image.cmd, '--port')).toBe(container.port);
    expect(image.exposedPorts).toEqual([container.port]);
    expect(image.env.TOKENPAK_CONFIG).toBe(container.config);
    expect(image.volumes).toEqual([container.volume]);
    expect(image.user.split(':')[0]).not.toMatch(/^(0|root)?$/);
  });

  it('answers /health, and a chat request through the configured upstream, recording it on the volume', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-provider-key');
    expect(existsSync(path.join(volume, 'usage.db'))).toBe(true);
  });

  it("passes the image's HEALTHCHECK while it serves, and fails it once it has stopped", async () => {
    const port = new URL(url).port;
    expect(await runHealthcheck(image, port)).toBe(0);
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
    expect(await runHealthcheck(image, port)).toBe(1);
  });
});

/**
 * The image's ENTRYPOINT + CMD with its ENV, run by this machine's node against
 * the built dist/: the image's WORKDIR is the project root, its config and volume
 * are temporary, and it listens on a free loopback port instead of 0.0.0.0:8766.
 */
function runLikeTheContainer(image: ImageRuntime, paths: { config: string; volume: string }) {
  const onThisMachine = (arg: string) => (arg.startsWith(`${image.workdir}/`) ? path.join(root, arg.slice(image.workdir.length + 1)) : arg);
  const [executable, ...args] = [...image.entrypoint, ...image.cmd].map(onThisMachine);
  if (executable !== 'node') throw new Error(`the image runs ${executable}, not node`);
  const local = replaceOption(replaceOption(args, '--host', container.host, '127.0.0.1'), '--port', container.port, '0');
  if (image.env.TOKENPAK_CONFIG !== container.config) throw new Error(`TOKENPAK_CONFIG is ${image.env.TOKENPAK_CONFIG}`);
  const env = { PATH: process.env.PATH, ...image.env, TOKENPAK_CONFIG: paths.config, OPENAI_API_KEY: 'sk-provider-key' };
  const child = spawn(process.execPath, local, { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => (stdout += data));
  child.stderr.on('data', (data) => (stderr += data));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null }));
  const listeningUrl = new Promise<string>((resolve, reject) => {
    const check = () => {
      const started = stdout.split('\n').find((line) => line.includes('TokenPak listening'));
      if (started) resolve((JSON.parse(started) as { url: string }).url.replace(/\/v1$/, ''));
    };
    child.stdout.on('data', check);
    void exited.then(({ code }) => reject(new Error(`the gateway exited (${code}) before listening: ${stderr}`)));
  });
  return { child, exited, listeningUrl };
}

/** The HEALTHCHECK's command, its node run as the container's, aimed at the port the test's gateway took. */
async function runHealthcheck(image: ImageRuntime, port: string): Promise<number | null> {
  const [executable, ...args] = image.healthcheck.command;
  if (executable !== 'node') throw new Error(`the health check runs ${executable}, not node`);
  const target = `127.0.0.1:${container.port}/health`;
  if (!args.some((arg) => arg.includes(target))) throw new Error(`the health check does not ask ${target}`);
  const child = spawn(process.execPath, args.map((arg) => arg.replace(target, `127.0.0.1:${port}/health`)), { env: { PATH: process.env.PATH } });
  const [code] = await once(child, 'exit');
  return code as number | null;
}

function optionValue(args: string[], option: string): string | undefined {
  const at = args.indexOf(option);
  return at < 0 ? undefined : args[at + 1];
}

function replaceOption(args: string[], option: string, expected: string, replacement: string): string[] {
  if (optionValue(args, option) !== expected) throw new Error(`the image's command should pass ${option} ${expected}`);
  const at = args.indexOf(option);
  return [...args.slice(0, at + 1), replacement, ...args.slice(at + 2)];
}
