import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { recordedChunks, recordedJson } from '../../../test/fakes/recordings.js';
import type { ChatRequest } from '../../core/types.js';
import { countOpenAIPromptTokens, openAIEncodingFor } from './count-openai-tokens.js';

describe('OpenAI prompt token counting', () => {
  // The request behind openai/openai-text: the Vercel AI SDK's example prompt, sent to gpt-4.1-nano.
  const holiday: ChatRequest = { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] };

  it('equals prompt_tokens of the recorded completion and stream for the same request', async () => {
    const recordedUsage = recordedJson<{ usage: { prompt_tokens: number } }>('openai/openai-text').usage;
    const streamedUsage = JSON.parse(recordedChunks('openai/openai-text').at(-1) as string).usage;
    const counted = await countOpenAIPromptTokens(holiday, openAIEncodingFor(holiday.model)!);
    expect(counted).toBe(recordedUsage.prompt_tokens);
    expect(counted).toBe(streamedUsage.prompt_tokens);
  });

  it('picks o200k_base for the gpt-4o, gpt-4.1, gpt-5 and o families and cl100k_base for gpt-4 and gpt-3.5', () => {
    expect(['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-5', 'o3-mini', 'o4-mini', 'chatgpt-4o-latest'].map(openAIEncodingFor)).toEqual(Array(6).fill('o200k_base'));
    expect(['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo'].map(openAIEncodingFor)).toEqual(Array(3).fill('cl100k_base'));
    expect(openAIEncodingFor('llama-3.3-70b')).toBeUndefined();
  });

  it('counts with the chosen encoding, names included', async () => {
    const text = 'Pseudopseudohypoparathyroidism, naïvely 計算 ✓';
    const request: ChatRequest = { model: 'gpt-4', messages: [{ role: 'user', name: 'ada', content: text }] };
    expect(await countOpenAIPromptTokens(request, 'cl100k_base')).toBe(3 + 1 + encodeCl100k(text).length + 1 + encodeCl100k('ada').length + 3);
    expect(await countOpenAIPromptTokens(request, 'o200k_base')).toBe(3 + 1 + encodeO200k(text).length + 1 + encodeO200k('ada').length + 3);
    expect(encodeCl100k(text).length).not.toBe(encodeO200k(text).length);
  });

  it('counts long prose exactly, slice by slice', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog, naïvely; 計算 is done. '.repeat(800);
    const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: prose }] };
    expect(await countOpenAIPromptTokens(request, 'o200k_base')).toBe(3 + 1 + encodeO200k(prose).length + 3);
  });

  it('lets other work run while it counts a long run without spaces, and stays within a token per slice of the whole count', async () => {
    const run = 'a'.repeat(100_000);
    const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: run }] };
    let servedDuringCount = false;
    let counting = true;
    const other = new Promise<void>((resolve) =>
      setImmediate(() => {
        servedDuringCount = counting;
        resolve();
      }),
    );
    const counted = await countOpenAIPromptTokens(request, 'o200k_base');
    counting = false;
    await other;
    expect(servedDuringCount).toBe(true);
    const whole = 100_000 / 8;
    expect(counted - (3 + 1 + 3)).toBeGreaterThanOrEqual(whole);
    expect(counted - (3 + 1 + 3)).toBeLessThanOrEqual(whole + Math.ceil(100_000 / 2048));
  });

  it('lets other work run while it counts many short messages, and stops once its caller gives up', async () => {
    const cjk = '計算機科学と言語処理'.repeat(200);
    const request: ChatRequest = { model: 'gpt-4o', messages: Array.from({ length: 100 }, () => ({ role: 'user' as const, content: cjk })) };
    let servedDuringCount = false;
    let counting = true;
    setImmediate(() => {
      servedDuringCount = counting;
    });
    const abandoned = new AbortController();
    const counted = countOpenAIPromptTokens(request, 'o200k_base', abandoned.signal);
    setImmediate(() => abandoned.abort(new Error('gave up')));
    await expect(counted).rejects.toThrow('gave up');
    counting = false;
    expect(servedDuringCount).toBe(true);
  });
});
