import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../core/types.js';
import { ResponseStore } from './response-store.js';

const conversation = (text: string): ChatMessage[] => [
  { role: 'user', content: text },
  { role: 'assistant', content: `re: ${text}` },
];
/** Memory bytes of a kept conversation: its JSON, two bytes a character. */
const bytesOf = (messages: ChatMessage[]): number => JSON.stringify(messages).length * 2;

describe('ResponseStore', () => {
  it('gives back the conversation saved under an id, as a copy the caller may change', () => {
    const store = new ResponseStore({ maxEntries: 10, maxBytes: 100_000, ttlMs: 60_000 });
    store.save('key-a', 'resp_1', conversation('hello'));

    const loaded = store.load('key-a', 'resp_1');
    loaded?.push({ role: 'user', content: 'more' });

    expect(store.load('key-a', 'resp_1')).toEqual(conversation('hello'));
  });

  it('never shows one scope the conversations of another', () => {
    const store = new ResponseStore({ maxEntries: 10, maxBytes: 100_000, ttlMs: 60_000 });
    store.save('key-a', 'resp_1', conversation('secret'));

    expect(store.load('key-b', 'resp_1')).toBeUndefined();
    expect(store.load('key-a', 'resp_1')).toBeDefined();
  });

  it('keeps scope and id apart even when their characters line up', () => {
    const store = new ResponseStore({ maxEntries: 10, maxBytes: 100_000, ttlMs: 60_000 });
    store.save('a:b', 'c', conversation('one'));

    expect(store.load('a', 'b:c')).toBeUndefined();
  });

  it('forgets a conversation once its TTL has passed', () => {
    let clock = 1_000;
    const store = new ResponseStore({ maxEntries: 10, maxBytes: 100_000, ttlMs: 5_000 }, () => clock);
    store.save('key-a', 'resp_1', conversation('hello'));

    clock += 4_999;
    expect(store.load('key-a', 'resp_1')).toBeDefined();
    clock += 1;
    expect(store.load('key-a', 'resp_1')).toBeUndefined();
  });

  it('evicts the least recently used conversation when the entry count is full', () => {
    const store = new ResponseStore({ maxEntries: 2, maxBytes: 100_000, ttlMs: 60_000 });
    store.save('key-a', 'resp_1', conversation('one'));
    store.save('key-a', 'resp_2', conversation('two'));
    store.load('key-a', 'resp_1');
    store.save('key-a', 'resp_3', conversation('three'));

    expect(store.load('key-a', 'resp_2')).toBeUndefined();
    expect(store.load('key-a', 'resp_1')).toEqual(conversation('one'));
    expect(store.load('key-a', 'resp_3')).toEqual(conversation('three'));
  });

  it('evicts the oldest conversations when their bytes exceed the bound', () => {
    const size = bytesOf(conversation('aaaa'));
    const store = new ResponseStore({ maxEntries: 100, maxBytes: size * 2, ttlMs: 60_000 });
    store.save('key-a', 'resp_1', conversation('aaaa'));
    store.save('key-a', 'resp_2', conversation('bbbb'));
    store.save('key-a', 'resp_3', conversation('cccc'));

    expect(store.load('key-a', 'resp_1')).toBeUndefined();
    expect(store.load('key-a', 'resp_2')).toBeDefined();
    expect(store.load('key-a', 'resp_3')).toBeDefined();
  });

  it('does not keep a conversation larger than the whole byte bound', () => {
    const store = new ResponseStore({ maxEntries: 10, maxBytes: bytesOf(conversation('short')), ttlMs: 60_000 });
    store.save('key-a', 'resp_small', conversation('short'));
    store.save('key-a', 'resp_big', conversation('a much longer message than the bound allows'));

    expect(store.load('key-a', 'resp_big')).toBeUndefined();
    expect(store.load('key-a', 'resp_small')).toBeDefined();
  });
});
