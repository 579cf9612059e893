import { describe, expect, it } from 'vitest';
import { recordedJson } from '../../test/fakes/recordings.js';
import { anthropicCaptureSse, recordingObserver, responsesObject, responsesStreamEvents, sseOf } from '../../test/support/native-stream-fixtures.js';
import type { NativeApi } from '../core/native.js';
import { rawSse } from '../core/raw-sse.js';
import { chatFromNativeBody, replayNativeStream } from './native-replay.js';

async function replay(api: NativeApi, sse: string) {
  const { observer, shown } = recordingObserver(false);
  const stream = replayNativeStream(api, Buffer.from(sse));
  const out: Buffer[] = [];
  for await (const bytes of stream[rawSse](observer)) out.push(bytes);
  return { stream, text: Buffer.concat(out).toString('utf8'), usage: shown.find((chunk) => chunk.usage)?.usage };
}

describe('replaying cached native answers', () => {
  it('replays a cached Messages stream as it came, with its usage', async () => {
    const sse = anthropicCaptureSse('anthropic/anthropic-text');
    const { stream, text, usage } = await replay('messages', sse);
    expect(stream.nativeApi).toBe('messages');
    expect(text).toBe(sse);
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 });
  });

  it('replays a cached Responses stream as it came, with its usage', async () => {
    const sse = sseOf(responsesStreamEvents());
    const { stream, text, usage } = await replay('responses', sse);
    expect(stream.nativeApi).toBe('responses');
    expect(text).toBe(sse);
    expect(usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 45 });
  });

  it('reads a cached answer of either API as the canonical response', () => {
    const messages = chatFromNativeBody('messages', recordedJson('anthropic/anthropic-text'));
    const responses = chatFromNativeBody(
      'responses',
      responsesObject({ output: [{ id: 'm', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Cached', annotations: [] }] }] }) as unknown as Record<string, unknown>,
    );
    expect(messages.choices[0]?.message.content).toBe(recordedJson<{ content: Array<{ text: string }> }>('anthropic/anthropic-text').content[0]?.text);
    expect(messages.usage?.prompt_tokens).toBeGreaterThan(0);
    expect([responses.choices[0]?.message.content, responses.model]).toEqual(['Cached', 'gpt-5-2025-08-07']);
  });
});
