import { describe, expect, it } from 'vitest';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';

describe('convertAnthropicUsage', () => {
  it('counts cache reads and writes into prompt_tokens and reports them apart', () => {
    expect(convertAnthropicUsage({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
    });
  });

  it('reads missing and null counts as zero', () => {
    expect(convertAnthropicUsage({ input_tokens: 5, cache_read_input_tokens: null })).toMatchObject({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 });
  });
});

describe('convertAnthropicUsage with 1-hour cache writes', () => {
  it('reports the 1-hour part of the cache writes apart, inside cache_write_tokens', () => {
    const usage = convertAnthropicUsage({
      input_tokens: 10,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 },
    });
    expect(usage.prompt_tokens).toBe(160);
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 100, cache_write_tokens: 50, cache_write_1h_tokens: 30 });
  });
});
