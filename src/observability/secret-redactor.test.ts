import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/load.js';
import { SecretRedactor } from './secret-redactor.js';

const builtinTypes = new Map([['openai', { requiresBaseUrl: false }]]);

describe('SecretRedactor', () => {
  it("replaces proxy.yaml's virtual keys and the Redis password wherever an upstream echoes them", () => {
    const config = validateConfig(
      {
        providers: { openai: { type: 'openai', api_key: 'sk-provider-secret' } },
        keys: [{ name: 'team', key: 'tpk_configured_virtual_key_1' }],
        state: { backend: 'redis', redis_url: 'redis://:p%40ss-word-9@127.0.0.1:6379' },
      },
      { builtinTypes, env: {} },
    );
    const secrets = new SecretRedactor(config);
    expect(secrets.clean('echo tpk_configured_virtual_key_1 p@ss-word-9 sk-provider-secret', undefined)).toBe('echo [redacted] [redacted] [redacted]');
  });

  it('finds the Redis password in the query too, where ioredis also reads it', () => {
    const config = validateConfig({ providers: {}, state: { backend: 'redis', redis_url: 'redis://127.0.0.1:6379/0?password=hunter2-query' } }, { builtinTypes, env: {} });
    expect(new SecretRedactor(config).clean('AUTH hunter2-query', undefined)).toBe('AUTH [redacted]');
  });

  it('replaces the PostgreSQL ledger password', () => {
    const config = validateConfig({ providers: {}, usage: { backend: 'postgres', postgres_url: 'postgres://tokenpak:pg-s3cret%21@db:5432/ledger' } }, { builtinTypes, env: {} });
    expect(new SecretRedactor(config).clean('password authentication failed: pg-s3cret!', undefined)).toBe('password authentication failed: [redacted]');
  });
});
