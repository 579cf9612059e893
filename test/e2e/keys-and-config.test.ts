import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer } from '../../src/server/http-server.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { failWith } from '../fakes/faults.js';
import { startOpenAIFake } from '../fakes/openai-fake.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';
import { runCli } from '../support/run-cli.js';

const question = { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Say a single word.' }] };

describe('the client key goes only to providers that ask for it', () => {
  let primary: FakeServer;
  let fallback: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    primary = await startOpenAIFake('openai/openai-text');
    fallback = await startOpenAIFake('openai-compatible/xai-text');
    primary.setHandler(failWith(503, 'overloaded'));
    gw = await startTestGateway({
      providers: {
        primary: { type: 'openai', base_url: `${primary.url}/v1`, forward_client_key: true, max_retries: 0 },
        other_vendor: { type: 'openai-compatible', base_url: `${fallback.url}/v1`, max_retries: 0 },
      },
      routing: { primary: 'primary', fallback: 'other_vendor' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([primary.close(), fallback.close()]);
  });

  it('forwards it to the provider with forward_client_key, and never to a fallback without it', async () => {
    const response = await postJson(`${gw.baseURL}/chat/completions`, question, { authorization: `Bearer ${clientKey}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tokenpak-provider')).toBe('other_vendor');
    expect(primary.requests.at(-1)?.headers.authorization).toBe(`Bearer ${clientKey}`);
    expect(fallback.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('does not send it when listing a provider’s models either', async () => {
    const before = fallback.requests.length;
    await fetch(`${gw.baseURL}/models`, { headers: { authorization: `Bearer ${clientKey}` } });
    const listings = fallback.requests.slice(before);
    expect(listings.every((received) => received.headers.authorization === undefined)).toBe(true);
  });
});

describe('${VAR} references in proxy.yaml', () => {
  let upstream: FakeServer;
  let dir: string;

  beforeAll(async () => {
    upstream = await startOpenAIFake('openai/openai-text');
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-keys-'));
  });
  afterAll(() => upstream.close());

  const writeConfig = async (name: string, providerLines: string) => {
    const file = path.join(dir, name);
    await writeFile(file, `usage:\n  db_path: ":memory:"\nproviders:\n  groq:\n    type: openai-compatible\n    base_url: ${upstream.url}/v1\n${providerLines}routing:\n  primary: groq\n`);
    return file;
  };

  /** Serves one request through a gateway loaded from `file`, and returns what the upstream received. */
  const serveOnce = async (file: string, env: NodeJS.ProcessEnv) => {
    const gateway = await createGateway({ configPath: file, env, logger: pino({ level: 'silent' }) });
    const server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
    try {
      const before = upstream.requests.length;
      const response = await postJson(`${server.url}/v1/chat/completions`, question, { authorization: `Bearer ${clientKey}` });
      expect(response.status).toBe(200);
      return upstream.requests[before];
    } finally {
      await server.close();
      await gateway.close();
    }
  };

  it('tokenpak check names an unset variable and its line, and exits 1', async () => {
    const file = await writeConfig('unset.yaml', '    api_key: ${GROQ_API_KEY}\n');
    const { code, stderr } = await runCli(['check', '--config', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`providers.groq.api_key: environment variable GROQ_API_KEY is not set`);
    expect(stderr).toContain(`(${file}:7)`);
  });

  it('tokenpak serve refuses to start on an unset variable, with the same message', async () => {
    const file = await writeConfig('unset-serve.yaml', '    api_key: ${GROQ_API_KEY}\n');
    const { code, stderr } = await runCli(['serve', '--port', '0', '--config', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('environment variable GROQ_API_KEY is not set');
  });

  it('accepts ${VAR:-} as "no key", and then sends none upstream', async () => {
    const received = await serveOnce(await writeConfig('optional.yaml', '    api_key: ${GROQ_API_KEY:-}\n'), {});
    expect(received?.headers.authorization).toBeUndefined();
  });

  it('keeps a quoted reference a string even when its value is a number', async () => {
    const received = await serveOnce(await writeConfig('quoted.yaml', '    headers:\n      openai-organization: "${ORG}"\n'), { ORG: '12345' });
    expect(received?.headers['openai-organization']).toBe('12345');
  });
});

