import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import { resolveContinuation } from './continuation.js';
import { ResponseStore } from '../../state/response-store.js';

const limits = { maxEntries: 100, maxBytes: 1 << 20, ttlMs: 60_000 };
const maxBytes = 10_000;
const answer = { type: 'message', id: 'msg_abc_0', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Sunny.', annotations: [] }] };

function storeWithAnswer(): ResponseStore {
  const store = new ResponseStore(limits);
  store.save('key-a', 'resp_abc', [
    { role: 'user', content: 'Weather?' },
    { role: 'assistant', content: 'Sunny.' },
  ]);
  store.saveItems('key-a', [answer]);
  return store;
}

describe('resolveContinuation', () => {
  it('replaces an item_reference TokenPak kept by the item, so that the request can be translated', () => {
    const body = { model: 'm', input: [{ role: 'user', content: 'Weather?' }, { type: 'item_reference', id: 'msg_abc_0' }, { role: 'user', content: 'And tomorrow?' }] };
    const continuation = resolveContinuation(body, storeWithAnswer(), 'key-a', maxBytes);
    expect(continuation.body.input).toEqual([body.input[0], answer, body.input[2]]);
    expect(continuation).toMatchObject({ keptByTokenPak: true, keptByProvider: undefined });
  });

  it('loads the conversation of a previous_response_id TokenPak kept', () => {
    const continuation = resolveContinuation({ model: 'm', previous_response_id: 'resp_abc', input: 'And tomorrow?' }, storeWithAnswer(), 'key-a', maxBytes);
    expect(continuation.history).toHaveLength(2);
    expect(continuation.keptByTokenPak).toBe(true);
  });

  it('leaves what only the provider kept to a provider that speaks Responses, and says which id', () => {
    const store = storeWithAnswer();
    const reference = resolveContinuation({ model: 'm', input: [{ type: 'item_reference', id: 'msg_openai_1' }, { role: 'user', content: 'Hi' }] }, store, 'key-a', maxBytes);
    expect(reference.body.input).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(reference.keptByProvider).toMatchObject({ param: 'input', message: expect.stringContaining('"msg_openai_1"') });
    const previous = resolveContinuation({ model: 'm', previous_response_id: 'resp_openai', input: 'Hi' }, store, 'key-a', maxBytes);
    expect(previous).toMatchObject({ keptByTokenPak: false, keptByProvider: { param: 'previous_response_id' } });
  });

  it('does not resolve another client key’s items or responses', () => {
    const continuation = resolveContinuation({ model: 'm', previous_response_id: 'resp_abc', input: [{ type: 'item_reference', id: 'msg_abc_0' }] }, storeWithAnswer(), 'key-b', maxBytes);
    expect(continuation.keptByTokenPak).toBe(false);
    expect(continuation.history).toBeUndefined();
  });

  it('refuses a request that leans on both what TokenPak kept and what only the provider kept', () => {
    const body = { model: 'm', previous_response_id: 'resp_abc', input: [{ type: 'item_reference', id: 'msg_openai_1' }] };
    expect(() => resolveContinuation(body, storeWithAnswer(), 'key-a', maxBytes)).toThrow(GatewayError);
  });

  it('leaves a body without references as it is', () => {
    const body = { model: 'm', input: 'Hi' };
    expect(resolveContinuation(body, storeWithAnswer(), 'key-a', maxBytes)).toEqual({ body, history: undefined, keptByTokenPak: false, keptByProvider: undefined });
  });

  it('refuses references whose items together come to more than a client could send, before copying them all', () => {
    const store = storeWithAnswer();
    const many = Array.from({ length: 200 }, () => ({ type: 'item_reference', id: 'msg_abc_0' }));
    expect(() => resolveContinuation({ model: 'm', input: many }, store, 'key-a', maxBytes)).toThrow(/server\.max_body_bytes/);
  });

  it('answers 400, never a failure of its own, for a reference without a string id or a response id that names an item', () => {
    const store = storeWithAnswer();
    expect(() => resolveContinuation({ model: 'm', input: [{ type: 'item_reference', id: { toString: 1 } }] }, store, 'key-a', maxBytes)).toThrow(GatewayError);
    const itemAsResponse = resolveContinuation({ model: 'm', previous_response_id: 'item:msg_abc_0', input: 'Hi' }, store, 'key-a', maxBytes);
    expect(itemAsResponse.history).toBeUndefined();
  });
});
