import { describe, expect, it } from 'vitest';
import { recordedJson } from '../../../test/fakes/recordings.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import type { AnthropicResponse } from './wire-types.js';

const identity = { id: 'chatcmpl-1', created: 1, model: 'asked-model' };

describe('convertAnthropicResponse', () => {
  it('carries Anthropic’s usage over, cache reads counted into the prompt', () => {
    const converted = convertAnthropicResponse(recordedJson<AnthropicResponse>('anthropic/anthropic-text'), identity, { jsonTool: false });
    expect(converted.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29 });
  });

  it('leaves usage out of an answer that reports none, so that the gateway charges what it counted rather than zero', () => {
    const { usage: _reported, ...withoutUsage } = recordedJson<AnthropicResponse>('anthropic/anthropic-text');
    for (const answer of [withoutUsage, { ...withoutUsage, usage: null }]) {
      const converted = convertAnthropicResponse(answer, identity, { jsonTool: false });
      expect(converted.choices[0]?.message.content).toContain('Hello!');
      expect(converted).not.toHaveProperty('usage');
    }
  });
});
