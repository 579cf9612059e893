import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { startAnthropicFake } from '../fakes/anthropic-fake.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { capturedLogger, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

const user = { role: 'user', content: 'Hi' };

/** Requests that name a field wrongly, each with the param the 400 must name. */
const malformed: Array<[string, Record<string, unknown>, string]> = [
  ['tool_calls that is a string', { messages: [user, { role: 'assistant', content: null, tool_calls: '' }] }, 'messages[1].tool_calls'],
  ['a tool call without a function', { messages: [user, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function' }] }] }, 'messages[1].tool_calls[0].function'],
  ['tool call arguments that are an object', { messages: [user, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] }, 'messages[1].tool_calls[0].function.arguments'],
  ['a tool of type "text"', { messages: [user], tools: [{ type: 'text' }] }, 'tools[0].type'],
  ['a function tool without a name', { messages: [user], tools: [{ type: 'function', function: {} }] }, 'tools[0].function'],
  ['a text part whose text is a number', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, 'messages[0].content[0].text'],
  ['an image part without a url', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url'],
  ['a role no API has', { messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
  ['a tool_call_id that is a number', { messages: [user, { role: 'tool', tool_call_id: 7, content: 'x' }] }, 'messages[1].tool_call_id'],
];

/** JSON text nested `depth` objects deep (written out: JSON.stringify itself would run out of stack). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
}

describe("a client's malformed request is that client's 400, never a provider failure", () => {
  let anthropic: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    gw = await startTestGateway({
      // One failure would open the breaker: none of the requests below may count as one.
      providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'k', max_retries: 0, circuit_breaker: { failure_threshold: 1 } } },
      routing: { primary: 'claude' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
  });

  it.each(malformed)('answers %s with a 400 naming the field, before any conversion or upstream call', async (_name, fields, param) => {
    const before = anthropic.requests.length;
    const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'anthropic-text', max_tokens: 50, ...fields });
    const body = (await response.json()) as { error: { type: string; param: string; message: string } };
    expect(response.status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(body.error.message).toContain(param);
    expect(anthropic.requests.length).toBe(before);
  });

  it('answers deeply nested JSON with a 400, in any field', async () => {
    const head = `{"model":"anthropic-text","messages":[${JSON.stringify(user)}]`;
    for (const request of [`${head},"metadata":${nested(100_000)}}`, `${head},"tools":[{"type":"function","function":{"name":"f","parameters":${nested(200)}}}]}`]) {
      const response = await postJson(`${gw.baseURL}/chat/completions`, request);
      const body = (await response.json()) as { error: { message: string } };
      expect(response.status).toBe(400);
      expect(body.error.message).toMatch(/nested more than \d+ levels/);
    }
  });

  it('leaves the breaker closed after all of them: valid traffic still gets through', async () => {
    const response = await gw.client.chat.completions.create({ model: 'anthropic-text', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 50 });
    expect(response.choices[0]?.message.content).toBeTruthy();
    const providers = gw.gateway.runtime.health.describe('claude');
    expect(providers.state).toBe('up');
  });
});

describe('a conversion that still throws', () => {
  it('is a logged 500 from the gateway, not a failure of the provider: its breaker stays closed and nothing fails over', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-convert-'));
    const adapterPath = path.join(dir, 'brittle-adapter.mjs');
    // Converts naively, as a buggy translation would: a request whose first message has no content makes it throw a TypeError.
    await writeFile(
      adapterPath,
      `export default class Brittle {
        constructor(name, options) { this.name = name; this.options = options; }
        async sendRequest(req) {
          const text = req.messages[0].content.toUpperCase();
          return { id: 'x', object: 'chat.completion', created: 0, model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
        }
        countTokens() { return 1; }
        createEmbeddings() { throw new Error('no'); }
        listModels() { return Promise.resolve([]); }
        healthCheck() { return Promise.reject(new Error('none')); }
        close() { return Promise.resolve(); }
      }`,
    );
    const { logger, lines } = capturedLogger('info');
    const gateway = await createGateway({
      config: {
        usage: { db_path: ':memory:' },
        cache: { enabled: false },
        adapters: { brittle: adapterPath },
        providers: {
          brittle: { type: 'brittle', max_retries: 0, circuit_breaker: { failure_threshold: 1 } },
          other: { type: 'brittle', max_retries: 0 },
        },
        routing: { primary: 'brittle', fallback: 'other' },
      },
      env: {},
      logger,
    });
    const server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
    const broken = await postJson(`${server.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: null }] });
    const brokenBody = (await broken.json()) as { error: { code: string } };
    const fine = await postJson(`${server.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hello' }] });
    const fineBody = (await fine.json()) as { choices: Array<{ message: { content: string } }> };
    const attempts = gateway.runtime.health.describe('other');
    await server.close();
    await gateway.close();
    expect(broken.status).toBe(500);
    expect(brokenBody.error.code).toBe('internal_error');
    expect(fine.status).toBe(200);
    expect(fineBody.choices[0]?.message.content).toBe('HELLO');
    expect(gateway.runtime.health.describe('brittle').state).toBe('up');
    expect(attempts).toMatchObject({ state: 'up' });
    const logged = lines.join('');
    expect(logged).toContain('the gateway failed on an upstream attempt');
    expect(logged).toContain('TypeError');
  });
});
