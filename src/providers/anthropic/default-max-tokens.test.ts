import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/types.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

/** About `tokens` tokens of English prose (Claude averages about 4 characters a token). */
const prose = (tokens: number) => 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil((tokens * 4) / 45));
const request = (model: string, prompt: string): ChatRequest => ({ model, messages: [{ role: 'user', content: prompt }] });

describe('default max_tokens on Anthropic', () => {
  it('leaves room in the 200k context window for a long prompt instead of asking for the full output limit', () => {
    const { body } = convertToAnthropicRequest(request('claude-sonnet-4-5', prose(140_000)));
    expect(body.max_tokens).toBeLessThanOrEqual(200_000 - 140_000);
    expect(body.max_tokens).toBeGreaterThan(0);
  });

  it('asks for the model’s full output limit when the prompt leaves room for it', () => {
    expect(convertToAnthropicRequest(request('claude-sonnet-4-5', prose(1_000))).body.max_tokens).toBe(64_000);
  });

  it('uses the 1M window only when the long-context beta is asked for on a model that has it', () => {
    const long = request('claude-sonnet-4-5', prose(300_000));
    expect(convertToAnthropicRequest(long, { longContext: true }).body.max_tokens).toBe(64_000);
    expect(convertToAnthropicRequest(request('claude-opus-4-1', prose(300_000)), { longContext: true }).body.max_tokens).toBe(1);
  });

  it('never asks for less than 1 token, even for a prompt past the window', () => {
    expect(convertToAnthropicRequest(request('claude-sonnet-4-5', prose(300_000))).body.max_tokens).toBe(1);
  });

  it('counts images and CJK text toward the prompt', () => {
    const images = Array.from({ length: 120 }, () => ({ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }));
    const withImages: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: images }] };
    expect(convertToAnthropicRequest(withImages).body.max_tokens).toBeLessThanOrEqual(200_000 - 120 * 1_600);
    // One token or so per CJK character: 150k characters leave at most 50k.
    expect(convertToAnthropicRequest(request('claude-sonnet-4-5', '猫'.repeat(150_000))).body.max_tokens).toBeLessThanOrEqual(50_000);
  });

  it('keeps the client’s own max_tokens', () => {
    expect(convertToAnthropicRequest({ ...request('claude-sonnet-4-5', prose(140_000)), max_tokens: 64_000 }).body.max_tokens).toBe(64_000);
  });
});
