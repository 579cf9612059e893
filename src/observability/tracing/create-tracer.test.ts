import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TracingConfig } from '../../config/observability-schema.js';
import type { AttemptRecord, RequestRecord } from '../request-record.js';
import type { RequestTracer, TraceStart } from '../request-trace.js';
import { createTracer } from './create-tracer.js';

/** An OTLP/HTTP collector on 127.0.0.1 that keeps each JSON export it receives. */
interface Receiver {
  url: string;
  bodies: string[];
  headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      headers.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    bodies,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type AttributeValue = string | number | boolean;

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's enum: 2 server, 3 client. */
  kind: number;
  statusCode: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
}

function attributeMap(keyValues: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const { key, value } of keyValues ?? []) {
    map[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue!;
  }
  return map;
}

function exportedSpans(receiver: Receiver): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const body of receiver.bodies) {
    const parsed = JSON.parse(body) as {
      resourceSpans: Array<{
        resource: { attributes: OtlpKeyValue[] };
        scopeSpans: Array<{
          spans: Array<{
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            kind: number;
            status?: { code?: number };
            startTimeUnixNano: string;
            endTimeUnixNano: string;
            attributes?: OtlpKeyValue[];
          }>;
        }>;
      }>;
    };
    for (const resourceSpans of parsed.resourceSpans) {
      const resource = attributeMap(resourceSpans.resource.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            statusCode: span.status?.code ?? 0,
            startMs: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
            endMs: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000,
            attributes: attributeMap(span.attributes),
            resource,
          });
        }
      }
    }
  }
  return spans;
}

const otlpSpanKind = { server: 2, client: 3 };
const otlpStatusCode = { unset: 0, error: 2 };
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function tracingConfig(overrides: Partial<TracingConfig>): TracingConfig {
  return { headers: {}, service_name: 'tokenpak-test', sample_ratio: 1, ...overrides };
}

function traceStart(overrides: Partial<TraceStart> = {}): TraceStart {
  return {
    requestId: 'req-1',
    api: 'chat',
    operation: 'chat',
    model: 'gpt-4o-mini',
    stream: false,
    headers: {},
    startTimeMs: performance.timeOrigin + performance.now(),
    ...overrides,
  };
}

function attemptRecord(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return { provider: 'openai-main', model: 'gpt-4o-mini', outcome: 'ok', status: 200, upstream_status: 200, duration_ms: 3, ...overrides };
}

function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: new Date().toISOString(),
    request_id: 'req-1',
    api: 'chat',
    key_id: 'keyhash-7f3a',
    user: 'alice@example.com',
    provider: 'openai-main',
    provider_type: 'openai',
    model_requested: 'gpt-4o-mini',
    model_served: 'gpt-4o-mini-2024-07-18',
    prompt_hash: 'prompthash-0c1d2e',
    stream: false,
    prompt_tokens: 120,
    completion_tokens: 30,
    cached_read_tokens: 100,
    cached_write_tokens: 0,
    response_chars: 80,
    cost_usd: 0.00042,
    latency_ms: 5,
    ttft_ms: null,
    upstream_ms: 3,
    overhead_ms: 1,
    cache: 'miss',
    status: 200,
    error_type: null,
    error_code: null,
    attempts: [attemptRecord()],
    ...overrides,
  };
}

const silentLogger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tracedSetup(overrides: Partial<TracingConfig> = {}): Promise<{ receiver: Receiver; tracer: RequestTracer }> {
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const tracer = await createTracer(tracingConfig({ otlp_endpoint: receiver.url, ...overrides }), silentLogger);
  if (tracer === undefined) throw new Error('tracing should be on with an endpoint');
  cleanups.push(() => tracer.shutdown());
  return { receiver, tracer };
}

describe('createTracer', () => {
  it('returns undefined without an otlp_endpoint', async () => {
    expect(await createTracer(tracingConfig({}), silentLogger)).toBeUndefined();
  });

  it('exports a server span per request and a client span per attempt, with the GenAI attributes', async () => {
    const { receiver, tracer } = await tracedSetup({ headers: { 'x-collector-key': 'collector-token' } });

    const request = tracer.start(traceStart({ stream: true }))!;
    const attempt = request.attempt('openai-main', 'openai', 'gpt-4o-mini');
    attempt.end(attemptRecord());
    request.end(requestRecord({ stream: true }));
    await tracer.shutdown();

    const spans = exportedSpans(receiver);
    const requestSpan = spans.find((span) => span.kind === otlpSpanKind.server)!;
    const attemptSpan = spans.find((span) => span.kind === otlpSpanKind.client)!;
    expect(spans).toHaveLength(2);
    expect(receiver.headers[0]!['x-collector-key']).toBe('collector-token');
    expect(requestSpan.resource['service.name']).toBe('tokenpak-test');
    expect(requestSpan).toMatchObject({
      name: 'chat gpt-4o-mini',
      parentSpanId: undefined,
      statusCode: otlpStatusCode.unset,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.stream': true,
        'gen_ai.provider.name': 'openai',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 30,
        'gen_ai.usage.cache_read.input_tokens': 100,
        'http.response.status_code': 200,
        'tokenpak.api': 'chat',
        'tokenpak.request_id': 'req-1',
        'tokenpak.provider': 'openai-main',
        'tokenpak.cache': 'miss',
        'tokenpak.cost_usd': 0.00042,
      },
    });
    expect(requestSpan.endMs - requestSpan.startMs).toBeCloseTo(5, 3);
    expect(attemptSpan).toMatchObject({
      name: 'chat gpt-4o-mini',
      traceId: requestSpan.traceId,
      parentSpanId: requestSpan.spanId,
      statusCode: otlpStatusCode.unset,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'tokenpak.provider': 'openai-main',
        'tokenpak.attempt.outcome': 'ok',
        'http.response.status_code': 200,
      },
    });
    expect(attempt.headers.traceparent).toBe(`00-${attemptSpan.traceId}-${attemptSpan.spanId}-01`);
  });

  it('continues an incoming traceparent and passes its tracestate upstream', async () => {
    const { receiver, tracer } = await tracedSetup();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpanId = '00f067aa0ba902b7';

    const request = tracer.start(
      traceStart({ headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, tracestate: 'vendor=abc' } }),
    )!;
    const attempt = request.attempt('claude', 'anthropic', 'claude-sonnet-4');
    attempt.end(attemptRecord({ provider: 'claude', model: 'claude-sonnet-4' }));
    request.end(requestRecord());
    await tracer.shutdown();

    const spans = exportedSpans(receiver);
    const requestSpan = spans.find((span) => span.kind === otlpSpanKind.server)!;
    const attemptSpan = spans.find((span) => span.kind === otlpSpanKind.client)!;
    expect(requestSpan.traceId).toBe(traceId);
    expect(requestSpan.parentSpanId).toBe(clientSpanId);
    expect(attemptSpan.parentSpanId).toBe(requestSpan.spanId);
    expect(attempt.headers).toEqual({ traceparent: `00-${traceId}-${attemptSpan.spanId}-01`, tracestate: 'vendor=abc' });
  });

  it('at sample_ratio 0 exports only requests whose client sent a sampled parent, and still propagates the others unsampled', async () => {
    const { receiver, tracer } = await tracedSetup({ sample_ratio: 0 });
    const sampledTraceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

    const unsampled = tracer.start(traceStart({ requestId: 'req-unsampled' }))!;
    const unsampledAttempt = unsampled.attempt('openai-main', 'openai', 'gpt-4o-mini');
    unsampledAttempt.end(attemptRecord());
    unsampled.end(requestRecord({ request_id: 'req-unsampled' }));
    const sampled = tracer.start(
      traceStart({ requestId: 'req-sampled', headers: { traceparent: `00-${sampledTraceId}-bbbbbbbbbbbbbbbb-01` } }),
    )!;
    sampled.attempt('openai-main', 'openai', 'gpt-4o-mini').end(attemptRecord());
    sampled.end(requestRecord({ request_id: 'req-sampled' }));
    await tracer.shutdown();

    const spans = exportedSpans(receiver);
    expect(spans.map((span) => span.traceId)).toEqual([sampledTraceId, sampledTraceId]);
    const [, traceId, , flags] = traceparentPattern.exec(unsampledAttempt.headers.traceparent ?? '') ?? [];
    expect(traceId).not.toBe(sampledTraceId);
    expect(flags).toBe('00');
  });

  it('follows a client that did not sample: no spans even at sample_ratio 1', async () => {
    const { receiver, tracer } = await tracedSetup({ sample_ratio: 1 });
    const traceId = 'cccccccccccccccccccccccccccccccc';

    const request = tracer.start(traceStart({ headers: { traceparent: `00-${traceId}-dddddddddddddddd-00` } }))!;
    const attempt = request.attempt('openai-main', 'openai', 'gpt-4o-mini');
    attempt.end(attemptRecord());
    request.end(requestRecord());
    tracer.start(traceStart({ requestId: 'req-root' }))!.end(requestRecord({ request_id: 'req-root' }));
    await tracer.shutdown();

    expect(exportedSpans(receiver).map((span) => span.attributes['tokenpak.request_id'])).toEqual(['req-root']);
    expect(attempt.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
  });

  it('marks failed attempts and server errors, and leaves a refused request (4xx) unset', async () => {
    const { receiver, tracer } = await tracedSetup();

    const failing = tracer.start(traceStart({ requestId: 'req-502' }))!;
    const timedOut = attemptRecord({ provider: 'gem', outcome: 'timeout', status: 504, upstream_status: null });
    const failed = attemptRecord({ provider: 'claude', outcome: 'failed', status: 502, upstream_status: 503 });
    failing.attempt('gem', 'gemini', 'gemini-2.5-flash').end(timedOut);
    failing.attempt('claude', 'anthropic', 'claude-sonnet-4').end(failed);
    failing.end(requestRecord({ request_id: 'req-502', status: 502, model_served: null, error_type: 'upstream_error', attempts: [timedOut, failed] }));
    const refused = tracer.start(traceStart({ requestId: 'req-429' }))!;
    refused.end(
      requestRecord({ request_id: 'req-429', status: 429, provider: null, provider_type: null, model_served: null, cache: null, error_type: 'budget_exceeded', attempts: [] }),
    );
    await tracer.shutdown();

    const spans = exportedSpans(receiver);
    const byProvider = (provider: string) => spans.find((span) => span.kind === otlpSpanKind.client && span.attributes['tokenpak.provider'] === provider)!;
    const byRequest = (id: string) => spans.find((span) => span.kind === otlpSpanKind.server && span.attributes['tokenpak.request_id'] === id)!;
    expect(byProvider('gem')).toMatchObject({
      statusCode: otlpStatusCode.error,
      attributes: { 'gen_ai.provider.name': 'gcp.gemini', 'error.type': 'timeout', 'tokenpak.attempt.outcome': 'timeout' },
    });
    expect(byProvider('gem').attributes).not.toHaveProperty('http.response.status_code');
    expect(byProvider('claude')).toMatchObject({
      statusCode: otlpStatusCode.error,
      attributes: { 'gen_ai.provider.name': 'anthropic', 'error.type': 'failed', 'http.response.status_code': 503 },
    });
    expect(byRequest('req-502')).toMatchObject({
      statusCode: otlpStatusCode.error,
      attributes: { 'error.type': 'upstream_error', 'http.response.status_code': 502 },
    });
    expect(byRequest('req-502').attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
    expect(byRequest('req-429')).toMatchObject({
      statusCode: otlpStatusCode.unset,
      attributes: { 'error.type': 'budget_exceeded', 'http.response.status_code': 429 },
    });
    expect(byRequest('req-429').attributes).not.toHaveProperty('gen_ai.provider.name');
  });

  it('exports no user, key, prompt hash or client header', async () => {
    const { receiver, tracer } = await tracedSetup();

    const request = tracer.start(
      traceStart({ headers: { authorization: 'Bearer sk-client-secret', 'x-api-key': 'sk-other-secret', 'user-agent': 'probe' } }),
    )!;
    request.attempt('openai-main', 'openai', 'gpt-4o-mini').end(attemptRecord());
    request.end(requestRecord());
    await tracer.shutdown();

    const exported = receiver.bodies.join('\n');
    expect(exportedSpans(receiver)).toHaveLength(2);
    for (const secret of ['sk-client-secret', 'sk-other-secret', 'alice@example.com', 'keyhash-7f3a', 'prompthash-0c1d2e', 'probe']) {
      expect(exported).not.toContain(secret);
    }
  });
});
