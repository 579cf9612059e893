import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { replayOpenAI } from '../fakes/openai-fake.js';
import { clientKey, postJson, startTestGateway, type TestGateway } from '../support/harness.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number } }>;
}

const serverKind = 2;
const clientKind = 3;
const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpanId = '00f067aa0ba902b7';
const failOnPrimary = 'FAIL-ON-PRIMARY';

function attribute(span: ExportedSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

/** A request through the HTTP server with tracing on: the client's trace continues through the gateway to each upstream attempt. */
describe('traces: a span per request and per upstream attempt, over OTLP/HTTP', () => {
  let primary: FakeServer;
  let backup: FakeServer;
  let collector: FakeServer;
  let gw: TestGateway;
  let spans: ExportedSpan[] = [];

  const exportedSpans = async () => {
    await gw.gateway.runtime.telemetry.tracer?.shutdown();
    return collector.requests.flatMap((req) => {
      const body = JSON.parse(req.raw.toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> };
      return body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    });
  };

  beforeAll(async () => {
    const replay = replayOpenAI('openai/openai-text');
    primary = await startFakeServer((req, res) => {
      if (JSON.stringify(req.body ?? {}).includes(failOnPrimary)) return json(res, 503, { error: { message: 'down', type: 'server_error', param: null, code: null } });
      return replay(req, res);
    });
    backup = await startFakeServer(replayOpenAI('openai/openai-text'));
    collector = await startFakeServer((_req, res) => json(res, 200, {}));
    gw = await startTestGateway({
      tracing: { otlp_endpoint: `${collector.url}/v1/traces`, service_name: 'tokenpak-e2e' },
      providers: {
        primary: { type: 'openai', base_url: `${primary.url}/v1`, api_key: 'sk-primary', max_retries: 0 },
        backup: { type: 'openai-compatible', base_url: `${backup.url}/v1`, api_key: 'sk-backup', max_retries: 0 },
      },
      routing: { primary: 'primary', fallback: 'backup' },
    });
    const traced = await postJson(
      `${gw.baseURL}/chat/completions`,
      { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hello' }] },
      { authorization: `Bearer ${clientKey}`, traceparent: `00-${clientTraceId}-${clientSpanId}-01`, 'x-request-id': 'traced-1' },
    );
    expect(traced.status).toBe(200);
    const failedOver = await postJson(
      `${gw.baseURL}/chat/completions`,
      { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: failOnPrimary }] },
      { authorization: `Bearer ${clientKey}`, 'x-request-id': 'failed-over-1' },
    );
    expect(failedOver.status).toBe(200);
    spans = await exportedSpans();
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([primary?.close(), backup?.close(), collector?.close()]);
  });

  const requestSpan = (requestId: string) => spans.find((span) => span.kind === serverKind && attribute(span, 'tokenpak.request_id') === requestId) as ExportedSpan;
  const attemptsOf = (parent: ExportedSpan) => spans.filter((span) => span.kind === clientKind && span.parentSpanId === parent.spanId);

  it('continues the client\'s traceparent: same trace, the client\'s span as parent', () => {
    const span = requestSpan('traced-1');
    expect(span.traceId).toBe(clientTraceId);
    expect(span.parentSpanId).toBe(clientSpanId);
    expect(span.name).toBe('chat gpt-4.1-nano');
  });

  it('names the request in the GenAI conventions', () => {
    const span = requestSpan('traced-1');
    expect(attribute(span, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(span, 'gen_ai.request.model')).toBe('gpt-4.1-nano');
    expect(attribute(span, 'gen_ai.provider.name')).toBe('openai');
    expect(attribute(span, 'gen_ai.response.model')).toBe('gpt-4.1-nano-2025-04-14');
    expect(attribute(span, 'gen_ai.usage.input_tokens')).toBe(16);
    expect(attribute(span, 'gen_ai.usage.output_tokens')).toBe(363);
    expect(attribute(span, 'http.response.status_code')).toBe(200);
  });

  it('sends each attempt\'s own traceparent upstream, naming its child span', () => {
    const span = requestSpan('traced-1');
    const [attempt] = attemptsOf(span);
    expect(attempt).toBeDefined();
    const sent = primary.requests.find((req) => req.headers['x-request-id'] === 'traced-1');
    expect(sent?.headers.traceparent).toBe(`00-${clientTraceId}-${attempt!.spanId}-01`);
    expect(attribute(attempt!, 'tokenpak.provider')).toBe('primary');
  });

  it('a request that fails over has one attempt span per provider, each sent its own traceparent', () => {
    const span = requestSpan('failed-over-1');
    expect(span.parentSpanId ?? '').toBe('');
    const attempts = attemptsOf(span);
    expect(attempts.map((attempt) => attribute(attempt, 'tokenpak.provider'))).toEqual(['primary', 'backup']);
    expect(attempts.map((attempt) => attribute(attempt, 'http.response.status_code'))).toEqual([503, 200]);
    const toPrimary = primary.requests.find((req) => req.headers['x-request-id'] === 'failed-over-1');
    const toBackup = backup.requests.find((req) => req.headers['x-request-id'] === 'failed-over-1');
    expect(toPrimary?.headers.traceparent).toBe(`00-${span.traceId}-${attempts[0]!.spanId}-01`);
    expect(toBackup?.headers.traceparent).toBe(`00-${span.traceId}-${attempts[1]!.spanId}-01`);
    expect(attribute(span, 'tokenpak.provider')).toBe('backup');
  });
});
