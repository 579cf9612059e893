import { describe, expect, it } from 'vitest';
import { abortSignalOf, LightSignal } from './light-signal.js';

describe('LightSignal', () => {
  it('tells each listener once, with the reason, and keeps the first reason', () => {
    const signal = new LightSignal();
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    signal.abort('first');
    signal.abort('second');
    expect(heard).toEqual(['first']);
    expect(signal.aborted).toBe(true);
  });

  it('tells every listener once even when one throws, then throws that error; a listener added twice hears it once', () => {
    const signal = new LightSignal();
    const heard: string[] = [];
    const twice = () => heard.push('twice');
    signal.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    signal.addEventListener('abort', twice);
    signal.addEventListener('abort', twice);
    expect(() => signal.abort()).toThrow('listener failed');
    expect(heard).toEqual(['twice']);
  });

  it('does not tell a listener that was removed', () => {
    const signal = new LightSignal();
    let told = 0;
    const listener = () => told++;
    signal.addEventListener('abort', listener);
    signal.removeEventListener('abort', listener);
    signal.abort();
    expect(told).toBe(0);
  });

  it('gives an AbortSignal that aborts with it, whether made before or after the abort', () => {
    const early = new LightSignal();
    const before = early.asAbortSignal();
    early.abort('gone');
    expect(before.aborted).toBe(true);
    expect(before.reason).toBe('gone');

    const late = new LightSignal();
    late.abort('timed out');
    expect(late.asAbortSignal().reason).toBe('timed out');
    expect(late.asAbortSignal()).toBe(late.asAbortSignal());
  });

  it('passes an AbortSignal through as it is', () => {
    const signal = new AbortController().signal;
    expect(abortSignalOf(signal)).toBe(signal);
  });
});
