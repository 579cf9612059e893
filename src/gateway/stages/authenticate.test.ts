import { describe, expect, it } from 'vitest';
import { configuredKeySchema } from '../../config/tenancy-schema.js';
import { VirtualKeys } from '../../limits/virtual-keys.js';
import { SqliteKeyStore } from '../../state/memory/sqlite-key-store.js';
import { keyIdOf } from '../../usage/key-id.js';
import { AdapterView } from '../adapter-view.js';
import { createContext } from '../context.js';
import type { GatewayRuntime } from '../runtime.js';
import { authenticateKey, authorizeModel } from './authenticate.js';

/** The stage as the pipeline awaits it: a refusal, thrown at once or later, is a rejection. */
const authenticating = async (...args: Parameters<typeof authenticateKey>) => authenticateKey(...args);

async function runtimeWith(requireKeys: boolean, configured: Array<Record<string, unknown>> = []): Promise<{ runtime: GatewayRuntime; keys: VirtualKeys }> {
  const keys = await VirtualKeys.open(new SqliteKeyStore(':memory:'), configured.map((entry) => configuredKeySchema.parse(entry)));
  return { keys, runtime: { config: { auth: { require_keys: requireKeys } }, keys } as unknown as GatewayRuntime };
}

const contextWith = (clientApiKey: string | undefined, model = 'gpt-4.1-nano') =>
  createContext({ id: 'req-1', operation: 'chat', request: { model, messages: [{ role: 'user', content: 'hi' }] }, clientApiKey });

describe('authenticateKey', () => {
  it('makes a virtual key the request’s identity', async () => {
    const { runtime, keys } = await runtimeWith(false);
    const { record, key } = await keys.issue({ name: 'team-a' });
    const ctx = contextWith(key);
    await authenticating(ctx, runtime);
    expect(ctx.keyId).toBe(record.id);
    expect(ctx.virtualKey?.name).toBe('team-a');
  });

  it('leaves any other key as it was when keys are not required', async () => {
    const { runtime } = await runtimeWith(false);
    const ctx = contextWith('sk-some-client-key');
    await authenticating(ctx, runtime);
    expect(ctx.keyId).toBe(keyIdOf('sk-some-client-key'));
    expect(ctx.virtualKey).toBeUndefined();
  });

  it('refuses a request without a key, or with an unknown one, when keys are required, never naming the key', async () => {
    const { runtime } = await runtimeWith(true);
    await expect(authenticating(contextWith(undefined), runtime)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key', message: /needs an API key/ });
    const refusal = await authenticating(contextWith('sk-wrong-key-123456'), runtime).catch((error: Error) => error);
    expect(refusal).toMatchObject({ status: 401, code: 'invalid_api_key', message: expect.stringContaining('POST /admin/keys') });
    expect((refusal as Error).message).not.toContain('sk-wrong-key-123456');
  });

  it('refuses a revoked key and an expired one, even when keys are not required', async () => {
    const { runtime, keys } = await runtimeWith(false, [{ name: 'last-year', key: 'sk-expired-key-0123456789', expires_at: '2025-01-01T00:00:00Z' }]);
    const revoked = await keys.issue({ name: 'gone' });
    await keys.revoke(revoked.record.id);
    await expect(authenticating(contextWith(revoked.key), runtime)).rejects.toMatchObject({ status: 401, code: 'key_revoked' });
    await expect(authenticating(contextWith('sk-expired-key-0123456789'), runtime)).rejects.toMatchObject({ status: 401, code: 'key_expired' });
  });
});

describe('authorizeModel', () => {
  it('lets a key use the models its globs match and refuses others with 403, naming model and key', async () => {
    const { runtime, keys } = await runtimeWith(true);
    const { key } = await keys.issue({ name: 'team-a', models: ['gpt-4.1*'] });
    const allowed = contextWith(key, 'gpt-4.1-nano');
    await authenticating(allowed, runtime);
    expect(() => authorizeModel(allowed, runtime)).not.toThrow();
    const refused = contextWith(key, 'gpt-4o');
    await authenticating(refused, runtime);
    expect(() => authorizeModel(refused, runtime)).toThrow(expect.objectContaining({ status: 403, code: 'model_not_allowed', message: expect.stringMatching(/"team-a" may not use the model "gpt-4o"/) }));
  });
});

describe('AdapterView.clientApiKey', () => {
  it('gives providers the client’s own key, but never a virtual key', async () => {
    const { runtime, keys } = await runtimeWith(false);
    const { key } = await keys.issue({ name: 'team-a' });
    const plain = contextWith('sk-own-provider-key');
    await authenticating(plain, runtime);
    expect(new AdapterView(plain).clientApiKey).toBe('sk-own-provider-key');
    const virtual = contextWith(key);
    await authenticating(virtual, runtime);
    expect(new AdapterView(virtual).clientApiKey).toBeUndefined();
    expect(virtual.clientApiKey).toBe(key);
  });
});
