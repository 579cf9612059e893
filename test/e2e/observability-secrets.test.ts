import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { echoOf, startEchoingUpstream } from '../fakes/echo-fake.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { postJson } from '../support/harness.js';
import { verifyWebhookSignature } from '../../src/observability/webhooks/webhook-signature.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli/main.js');

const providerKey = 'sk-provider-SECRET-obs-one';
const adminKey = 'admin-SECRET-obs-two';
const clientKey = 'sk-client-SECRET-obs-three';
const webhookSecret = 'whsec-SECRET-obs-four-long-enough';
const collectorKey = 'otlp-SECRET-obs-five';
const promptText = 'PROMPT-TEXT-obs-never-outside';
const userName = 'user-obs-six';
const secrets = [providerKey, adminKey, clientKey, webhookSecret, collectorKey];


/**
 * The gateway as users run it (the CLI, its real stdout), with every sink on:
 * stdout, a rotated log file, /metrics, a webhook and an OTLP collector. After
 * traffic that fails in every way an upstream can, and an upstream that echoes
 * what it was sent, no sink holds a key, the webhook secret or prompt text.
 */
describe('no secret and no prompt text in any observability sink', () => {
  let echoing: FakeServer;
  let answering: FakeServer;
  let echoingAnswers: FakeServer;
  let receiver: FakeServer;
  let collector: FakeServer;
  let dir: string;
  let stdout = '';
  let metricsText = '';
  const doorRequests: string[] = [];

  beforeAll(async () => {
    echoing = await startEchoingUpstream(adminKey, { echoInCode: true });
    answering = await startFakeServer(replayOpenAI('openai/openai-text'));
    // A successful answer that names itself after the key it was sent, and quotes the prompt as its model and in its text.
    echoingAnswers = await startFakeServer((req, res) => {
      const key = String(req.headers.authorization).replace('Bearer ', '');
      const model = req.body?.metadata?.echo === 'prompt' ? promptText : key;
      json(res, 200, {
        id: `chatcmpl-${key}`,
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: echoOf(req, adminKey) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      });
    });
    receiver = await startFakeServer((_req, res) => json(res, 200, {}));
    collector = await startFakeServer((_req, res) => json(res, 200, {}));
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-obs-secrets-'));
    const config = {
      server: { host: '127.0.0.1', port: 0 },
      usage: { db_path: ':memory:' },
      cache: { enabled: false },
      admin: { api_key: adminKey },
      logging: { level: 'debug', file: path.join(dir, 'tokenpak.log'), max_bytes: 4096, max_files: 100 },
      webhooks: [{ url: `${receiver.url}/hook`, secret: webhookSecret, batch_size: 3, flush_ms: 20, events: ['request'] }],
      tracing: { otlp_endpoint: `${collector.url}/v1/traces`, headers: { authorization: `Bearer ${collectorKey}` } },
      providers: {
        keyed: { type: 'openai', base_url: `${echoing.url}/v1`, api_key: providerKey, max_retries: 0, circuit_breaker: { failure_threshold: 1000 } },
        forwarding: { type: 'openai-compatible', base_url: `${echoing.url}/v1`, forward_client_key: true, max_retries: 0, circuit_breaker: { failure_threshold: 1000 } },
        answering: { type: 'openai-compatible', base_url: `${answering.url}/v1`, api_key: providerKey },
        'echoing-answers': { type: 'openai-compatible', base_url: `${echoingAnswers.url}/v1`, api_key: providerKey },
      },
      routing: {
        primary: 'keyed',
        fallback: 'forwarding',
        strategies: [
          { provider: 'forwarding', models: ['only-forwarding'] },
          { provider: 'answering', models: ['answered'] },
          { provider: 'echoing-answers', models: ['echoed-answer'] },
        ],
      },
    };
    await writeFile(path.join(dir, 'proxy.yaml'), stringify(config));
    const child = spawn(process.execPath, [cli, 'serve', '--config', path.join(dir, 'proxy.yaml')], { cwd: dir, env: { PATH: process.env.PATH } });
    child.stdout.on('data', (data) => (stdout += data));
    const exited = once(child, 'exit');
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/v1"/.exec(stdout);
        if (match) {
          clearInterval(timer);
          resolve(match[1] as string);
        }
      }, 20);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`the gateway exited (${code}) before it listened`));
      });
    });

    const ask = async (model: string, extra: Record<string, unknown> = {}) => {
      const response = await postJson(
        `${url}/v1/chat/completions`,
        { model, user: userName, messages: [{ role: 'user', content: promptText }], ...extra },
        { authorization: `Bearer ${clientKey}` },
      );
      doorRequests.push(response.headers.get('x-request-id') as string);
      await response.text();
    };
    await ask('gpt-4.1-nano', { metadata: { status: '400' } });
    await ask('gpt-4.1-nano', { metadata: { status: '500' } });
    await ask('only-forwarding');
    await ask('gpt-4.1-nano', { stream: true });
    for (let i = 0; i < 20; i++) await ask('answered');
    await ask('answered', { stream: true, stream_options: { include_usage: true } });
    await ask('echoed-answer');
    await ask('echoed-answer', { metadata: { echo: 'prompt' } });
    const messages = await postJson(`${url}/v1/messages`, { model: 'gpt-4.1-nano', max_tokens: 10, messages: [{ role: 'user', content: promptText }] }, { 'x-api-key': clientKey });
    doorRequests.push(messages.headers.get('x-request-id') as string);
    await messages.text();
    await fetch(`${url}/admin/providers`, { headers: { authorization: `Bearer ${clientKey}` } });
    metricsText = await (await fetch(`${url}/metrics`)).text();
    child.kill('SIGTERM');
    await exited;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([echoing?.close(), answering?.close(), echoingAnswers?.close(), receiver?.close(), collector?.close()]);
  });

  const logFiles = async () => {
    const names = (await readdir(dir)).filter((name) => name.startsWith('tokenpak') && name.includes('.log'));
    return Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  };
  const auditLines = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request');

  it('stdout, the log files, /metrics, the webhook batches and the spans hold no key, no secret and no prompt text', async () => {
    const sinks: Record<string, string> = {
      stdout,
      files: (await logFiles()).join('\n'),
      metrics: metricsText,
      webhooks: receiver.requests.map((req) => req.raw.toString()).join('\n'),
      spans: collector.requests.map((req) => req.raw.toString()).join('\n'),
    };
    for (const [sink, text] of Object.entries(sinks)) {
      expect(text.length, sink).toBeGreaterThan(0);
      for (const secret of [...secrets, promptText]) expect(text, `${sink} holds ${secret}`).not.toContain(secret);
    }
    // The user is the audit record's to name; metrics and spans never carry it.
    expect(sinks.metrics).not.toContain(userName);
    expect(sinks.spans).not.toContain(userName);
  });

  it('one audit line per door request on stdout, and the same lines across the rotated files, none lost', async () => {
    const fromStdout = auditLines(stdout).map((line) => line.request_id);
    expect(fromStdout.sort()).toEqual([...doorRequests].sort());
    const files = await logFiles();
    expect(files.length).toBeGreaterThan(1);
    const fromFiles = files.flatMap((text) => auditLines(text)).map((line) => line.request_id);
    expect(fromFiles.sort()).toEqual([...doorRequests].sort());
  });

  it('audit lines carry every field', () => {
    const fields = [
      'time', 'request_id', 'api', 'key_id', 'user', 'provider', 'provider_type', 'model_requested', 'model_served', 'prompt_hash', 'stream',
      'prompt_tokens', 'completion_tokens', 'cached_read_tokens', 'cached_write_tokens', 'response_chars', 'cost_usd', 'latency_ms', 'ttft_ms',
      'upstream_ms', 'overhead_ms', 'cache', 'status', 'error_type', 'error_code', 'attempts',
    ];
    const lines = auditLines(stdout);
    for (const line of lines) for (const field of fields) expect(line, field).toHaveProperty(field);
    const answered = lines.find((line) => line.model_requested === 'answered' && line.stream === false) as Record<string, unknown>;
    expect(answered).toMatchObject({ api: 'chat', provider: 'answering', status: 200, user: userName, error_type: null });
    expect(answered.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(answered.response_chars).toBeGreaterThan(100);
    const failedOver = lines.find((line) => (line.attempts as unknown[]).length === 2) as { attempts: Array<{ provider: string; outcome: string }>; status: number };
    expect(failedOver.attempts.map((attempt) => attempt.provider)).toEqual(['keyed', 'forwarding']);
    const streamed = lines.find((line) => line.model_requested === 'answered' && line.stream === true) as Record<string, unknown>;
    expect(streamed.ttft_ms).toBeGreaterThan(0);
  });

  it('webhook batches are signed with the secret and carry the same records', () => {
    const records = receiver.requests.flatMap((req) => {
      const header = String(req.headers['x-tokenpak-signature']);
      expect(verifyWebhookSignature(webhookSecret, header, req.raw.toString(), { toleranceSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(true);
      return (JSON.parse(req.raw.toString()) as { records: Array<{ request_id: string }> }).records;
    });
    expect(records.map((record) => record.request_id).sort()).toEqual([...doorRequests].sort());
  });

  it('each door request is a span at the collector, sent with the collector headers', () => {
    expect(collector.requests.length).toBeGreaterThan(0);
    expect(collector.requests.every((req) => req.headers.authorization === `Bearer ${collectorKey}`)).toBe(true);
    const spans = collector.requests.flatMap((req) => {
      const body = JSON.parse(req.raw.toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ kind: number; attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }> };
      return body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    });
    const requestIds = spans.flatMap((span) => span.attributes.filter((attribute) => attribute.key === 'tokenpak.request_id').map((attribute) => attribute.value.stringValue));
    expect(requestIds.sort()).toEqual([...doorRequests].sort());
  });
});
