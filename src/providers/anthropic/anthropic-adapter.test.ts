import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../../test/fakes/anthropic-fake.js';
import type { FakeServer } from '../../../test/fakes/fake-server.js';
import { providerSchema } from '../../config/schema.js';
import { createContext } from '../../gateway/context.js';
import type { ChatRequest } from '../../core/types.js';
import { AnthropicAdapter } from './anthropic-adapter.js';

describe('AnthropicAdapter', () => {
  let anthropic: FakeServer;
  beforeAll(async () => {
    anthropic = await startAnthropicFake();
  });
  afterAll(() => anthropic.close());

  it('logs the cache breakpoints it had to drop, naming the provider but no prompt text', async () => {
    const warnings: Array<{ fields: object; message: string }> = [];
    const logger = { warn: (fields: object, message: string) => void warnings.push({ fields, message }) };
    const adapter = new AnthropicAdapter('claude', providerSchema.parse({ type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-test' }), logger);
    const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
    const req: ChatRequest = { model: 'anthropic-text', messages: [{ role: 'user', content: ['private one', 'private two', 'c', 'd', 'e'].map(cached) }] };
    try {
      await adapter.sendRequest(req, createContext({ id: 'req-1', operation: 'chat', request: req }));
    } finally {
      await adapter.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toEqual({ provider: 'claude', requestId: 'req-1' });
    expect(JSON.stringify(warnings)).not.toContain('private');
  });
});
