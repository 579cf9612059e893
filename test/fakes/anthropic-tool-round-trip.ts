import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest } from './fake-server.js';

/** The model name that makes the Anthropic fake play one tool round trip. */
export const toolRoundTripModel = 'anthropic-tool-round-trip';
export const roundTripToolInput = { location: 'San Francisco' };
export const roundTripToolUseId = 'toolu_01RoundTripWeather0000001';
const roundTripAsk = 'Let me look that up.';

/** The answer to a tool result: quotes it, so a test sees that the result arrived. */
export function roundTripAnswer(toolResult: string): string {
  return `The tool said: ${toolResult}`;
}

/**
 * Asks for the request's first tool (input `roundTripToolInput`) unless the
 * last user turn holds a `tool_result`; then answers with text quoting it.
 * Both answers, and their streams, have the shapes of the captures in
 * recordings/anthropic (a text block before the tool_use, `ping` after the
 * first block start, tool input as `input_json_delta` fragments, the first empty).
 */
export async function anthropicToolRoundTrip(req: ReceivedRequest, res: ServerResponse): Promise<void> {
  const message = roundTripMessage(req.body);
  if (req.body.stream !== true) return json(res, 200, message);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of anthropicEventsOf(message)) {
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

function roundTripMessage(body: ReceivedRequest['body']) {
  const turns = body.messages.filter((message: { role: string }) => message.role !== 'system');
  const last = turns.at(-1);
  const toolResult = Array.isArray(last?.content) ? last.content.find((block: { type: string }) => block.type === 'tool_result') : undefined;
  const content = toolResult
    ? [{ type: 'text', text: roundTripAnswer(textOf(toolResult.content)) }]
    : [
        { type: 'text', text: roundTripAsk },
        { type: 'tool_use', id: roundTripToolUseId, name: body.tools?.[0]?.name ?? 'weather', input: roundTripToolInput },
      ];
  return {
    model: 'claude-sonnet-4-5-20250929',
    id: toolResult ? 'msg_01RoundTripAnswer000000001' : 'msg_01RoundTripAsk00000000001',
    type: 'message',
    role: 'assistant',
    content,
    stop_reason: toolResult ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: toolResult ? 640 : 602,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: toolResult ? 17 : 61,
      service_tier: 'standard',
    },
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((block: { type: string }) => block.type === 'text').map((block: { text: string }) => block.text).join('');
}

type AnthropicMessage = ReturnType<typeof roundTripMessage>;

/** The SSE events the real API streams for a message. */
function anthropicEventsOf(message: AnthropicMessage): Array<Record<string, unknown> & { type: string }> {
  const events: Array<Record<string, unknown> & { type: string }> = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } } },
  ];
  for (const [index, block] of message.content.entries()) {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) events.push({ type: 'ping' });
      const text = block.text as string;
      const middle = Math.floor(text.length / 2);
      for (const part of [text.slice(0, middle), text.slice(middle)]) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: part } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      const input = JSON.stringify(block.input);
      const middle = Math.floor(input.length / 2);
      for (const part of ['', input.slice(0, middle), input.slice(middle)]) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    events.push({ type: 'content_block_stop', index });
  }
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = message.usage;
  events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}
