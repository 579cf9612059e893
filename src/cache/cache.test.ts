import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache-key.js';
import { MemoryResponseCache, type CachedAnswer } from './memory-cache.js';

const answer = (content: string): CachedAnswer => ({ json: JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content } }] }) });
const contentOf = (cached: CachedAnswer | undefined) => (cached && 'json' in cached ? JSON.parse(cached.json).choices[0].message.content : undefined);

describe('cacheKey', () => {
  const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0 };

  it('does not depend on key order, delivery or attribution', () => {
    const reordered = { temperature: 0, messages: [{ content: 'hi', role: 'user' as const }], model: 'gpt-4o', stream: true, user: 'ana', stream_options: { include_usage: true } };
    expect(cacheKey(reordered, 'key')).toBe(cacheKey(request, 'key'));
  });

  it('sorts keys at every level, and skips the ignored fields only at the top', () => {
    const nested = { ...request, response_format: { type: 'json_schema' as const, json_schema: { name: 'x', schema: { b: 1, a: 2 } } } };
    const reordered = { ...request, response_format: { json_schema: { schema: { a: 2, b: 1 }, name: 'x' }, type: 'json_schema' as const } };
    expect(cacheKey(reordered, 'key')).toBe(cacheKey(nested, 'key'));
    const toolWithUserField = (user: string) => ({ ...request, tools: [{ type: 'function' as const, function: { name: 'f', parameters: { properties: { user: { const: user } } } } }] });
    expect(cacheKey(toolWithUserField('a'), 'key')).not.toBe(cacheKey(toolWithUserField('b'), 'key'));
  });

  it('changes with anything that changes the answer', () => {
    expect(cacheKey({ ...request, temperature: 0.5 }, 'key')).not.toBe(cacheKey(request, 'key'));
    expect(cacheKey({ ...request, model: 'gpt-4o-mini' }, 'key')).not.toBe(cacheKey(request, 'key'));
    expect(cacheKey({ ...request, seed: 1 }, 'key')).not.toBe(cacheKey(request, 'key'));
    expect(cacheKey({ ...request, max_tokens: 5 }, 'key')).not.toBe(cacheKey(request, 'key'));
  });
});

describe('MemoryResponseCache', () => {
  it('forgets an entry after its TTL', () => {
    let now = 0;
    const cache = new MemoryResponseCache(10, 1e6, () => now);
    cache.set('a', answer('x'), 1_000);
    now = 999;
    expect(contentOf(cache.get('a'))).toBe('x');
    now = 1_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size.entries).toBe(0);
  });

  it('evicts the least recently used entry past max_entries', () => {
    const cache = new MemoryResponseCache(2, 1e6);
    cache.set('a', answer('a'), 60_000);
    cache.set('b', answer('b'), 60_000);
    cache.get('a');
    cache.set('c', answer('c'), 60_000);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(contentOf)).toEqual(['a', undefined, 'c']);
  });

  it('keeps exactly the most recently used entries through long churn', () => {
    const capacity = 50;
    const cache = new MemoryResponseCache(capacity, 1e9);
    const model: string[] = [];
    const use = (key: string) => {
      model.splice(model.indexOf(key), 1);
      model.push(key);
    };
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 20_000; step++) {
      if (random() < 0.3 && model.length > 0) {
        const key = model[Math.floor(random() * model.length)]!;
        expect(contentOf(cache.get(key))).toBe(key);
        use(key);
      } else {
        const key = `k${step}`;
        cache.set(key, answer(key), 60_000);
        model.push(key);
        if (model.length > capacity) model.shift();
      }
    }
    expect(cache.size.entries).toBe(capacity);
    for (const key of model) expect(contentOf(cache.get(key))).toBe(key);
  });

  it('stays within max_bytes, and never holds an entry larger than all of it', () => {
    // Strings are UTF-16 in memory: two bytes a character.
    const size = (answer('0123456789') as { json: string }).json.length * 2;
    const cache = new MemoryResponseCache(100, size * 2);
    cache.set('a', answer('0123456789'), 60_000);
    cache.set('b', answer('0123456789'), 60_000);
    cache.set('c', answer('0123456789'), 60_000);
    expect(cache.size).toEqual({ entries: 2, bytes: size * 2 });
    cache.set('big', answer('x'.repeat(size * 3)), 60_000);
    expect(cache.get('big')).toBeUndefined();
  });

  it('counts a stream entry by its bytes', () => {
    const cache = new MemoryResponseCache(100, 1e6);
    cache.set('s', { sse: Buffer.from('data: {}\n\n') }, 60_000);
    expect(cache.size).toEqual({ entries: 1, bytes: 10 });
  });
});
