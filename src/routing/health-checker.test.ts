import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { providerSchema, type ProviderConfig } from '../config/schema.js';
import { BaseAdapter } from '../providers/base-adapter.js';
import { UpstreamClient } from '../providers/http/upstream-client.js';
import type { ChatRequest } from '../core/types.js';
import { HealthChecker } from './health-checker.js';
import { ProviderHealth } from './provider-health.js';

class ProbedAdapter extends BaseAdapter {
  healthy = true;
  sendRequest(): never {
    throw new Error('not used');
  }
  countTokens(_req: ChatRequest): number {
    return 0;
  }
  override healthCheck(_signal: AbortSignal): Promise<void> {
    return this.healthy ? Promise.resolve() : Promise.reject(new Error('down'));
  }
}

/** A custom type that never wrote a health check: BaseAdapter's own answers. */
class UnprobedAdapter extends BaseAdapter {
  sendRequest(): never {
    throw new Error('not used');
  }
  countTokens(_req: ChatRequest): number {
    return 0;
  }
}

/** Probes a real upstream with its key, as the built-in adapters do. */
class KeyedAdapter extends BaseAdapter {
  readonly client: UpstreamClient;
  constructor(name: string, options: ProviderConfig, baseUrl: string) {
    super(name, options);
    this.client = new UpstreamClient(name, baseUrl, options);
  }
  sendRequest(): never {
    throw new Error('not used');
  }
  countTokens(_req: ChatRequest): number {
    return 0;
  }
  override healthCheck(signal: AbortSignal): Promise<void> {
    return this.client.probe('/models', this.options.api_key ? { authorization: `Bearer ${this.options.api_key}` } : {}, signal);
  }
}

/** An upstream that refuses every key, with the given status. */
async function refusingUpstream(status: number) {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid x-api-key"}}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(resolve)) };
}

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

const options = providerSchema.parse({ type: 'custom', circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 } });

describe('HealthChecker', () => {
  it('opens the breaker after failing probes and half-opens it when a probe passes again', async () => {
    const health = new ProviderHealth({ p: options });
    const checker = new HealthChecker(health, pino({ level: 'silent' }));
    const adapter = new ProbedAdapter('p', options);
    adapter.healthy = false;
    expect(await checker.probe(adapter)).toBe(false);
    expect(await checker.probe(adapter)).toBe(false);
    expect(health.state('p')).toBe('open');
    adapter.healthy = true;
    expect(await checker.probe(adapter)).toBe(true);
    expect(health.state('p')).toBe('half_open');
  });

  it('leaves a provider without a health check alone instead of counting failures', async () => {
    const health = new ProviderHealth({ p: options });
    const checker = new HealthChecker(health, pino({ level: 'silent' }));
    const adapter = new UnprobedAdapter('p', options);
    expect(await checker.probe(adapter)).toBeUndefined();
    expect(await checker.probe(adapter)).toBeUndefined();
    expect(health.state('p')).toBe('up');
  });

  it.each([401, 403])('marks a provider whose key is refused (%i) unhealthy with the reason "credentials rejected", and logs it without the key', async (status) => {
    const upstream = await refusingUpstream(status);
    const keyed = providerSchema.parse({ type: 'custom', api_key: 'sk-secret-key' });
    const health = new ProviderHealth({ p: keyed });
    const { logger, lines } = capturedLogger();
    const adapter = new KeyedAdapter('p', keyed, upstream.url);
    try {
      expect(await new HealthChecker(health, logger).probe(adapter)).toBe(false);
    } finally {
      await adapter.client.close();
      await upstream.close();
    }
    expect(health.describe('p').health_check).toMatchObject({ healthy: false, reason: 'credentials rejected' });
    expect(health.describe('p').breaker.consecutive_failures).toBe(1);
    const logged = lines.join('');
    expect(JSON.parse(logged)).toMatchObject({ level: 40, provider: 'p', reason: 'credentials rejected' });
    expect(logged).not.toContain('sk-secret-key');
  });

  it('counts a 401 as up for a provider without a key of its own, which serves its clients\' keys', async () => {
    const upstream = await refusingUpstream(401);
    const keyless = providerSchema.parse({ type: 'custom' });
    const health = new ProviderHealth({ p: keyless });
    const adapter = new KeyedAdapter('p', keyless, upstream.url);
    try {
      expect(await new HealthChecker(health, pino({ level: 'silent' })).probe(adapter)).toBe(true);
    } finally {
      await adapter.client.close();
      await upstream.close();
    }
    expect(health.describe('p').health_check).toMatchObject({ healthy: true, reason: null });
  });
});
