import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest } from './fake-server.js';

/** The model name that makes the OpenAI-format fake play one tool round trip on chat completions. */
export const chatToolRoundTripModel = 'chat-tool-round-trip';
export const chatToolArguments = '{"location":"San Francisco"}';

/** The answer to a tool message: quotes it, so a test sees that the result arrived. */
export function chatRoundTripAnswer(toolResult: string): string {
  return `The tool said: ${toolResult}`;
}

/**
 * Calls the request's first function unless the last message is a `tool`
 * message; then answers with text quoting it. Shapes are those of the captures
 * in recordings/openai and recordings/openai-compatible (xai-tool-call): the
 * stream's first chunk carries the role, a tool call's first chunk its id and
 * name, the finish reason its own chunk, usage a last chunk without choices
 * (only when `stream_options.include_usage` asks), then `[DONE]`.
 */
export async function chatToolRoundTrip(req: ReceivedRequest, res: ServerResponse): Promise<void> {
  const body = req.body;
  const last = body.messages.at(-1);
  const toolResult: string | undefined = last?.role === 'tool' ? textOf(last.content) : undefined;
  const name: string = body.tools?.[0]?.function?.name ?? 'weather';
  const toolCall = { id: 'call_46427107', type: 'function', function: { name, arguments: chatToolArguments } };
  const content = toolResult === undefined ? '' : chatRoundTripAnswer(toolResult);
  const usage = toolResult === undefined ? { prompt_tokens: 307, completion_tokens: 26, total_tokens: 333 } : { prompt_tokens: 340, completion_tokens: 12, total_tokens: 352 };
  const finishReason = toolResult === undefined ? 'tool_calls' : 'stop';
  const base = { id: 'chatcmpl-RoundTrip0000000000000001', created: 1770772214, model: 'gpt-4.1-nano-2025-04-14', system_fingerprint: 'fp_de604bd877' };
  if (body.stream !== true) {
    const message = { role: 'assistant', content: toolResult === undefined ? null : content, refusal: null, ...(toolResult === undefined ? { tool_calls: [toolCall] } : {}) };
    return json(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage });
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ ...base, object: 'chat.completion.chunk', choices, usage: null, ...extra });
  const chunks: unknown[] = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
  if (toolResult === undefined) {
    const middle = Math.floor(chatToolArguments.length / 2);
    chunks.push(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...toolCall, function: { name, arguments: '' } }] }, logprobs: null, finish_reason: null }]));
    for (const part of [chatToolArguments.slice(0, middle), chatToolArguments.slice(middle)]) {
      chunks.push(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: part } }] }, logprobs: null, finish_reason: null }]));
    }
  } else {
    const middle = Math.floor(content.length / 2);
    for (const part of [content.slice(0, middle), content.slice(middle)]) chunks.push(chunk([{ index: 0, delta: { content: part }, logprobs: null, finish_reason: null }]));
  }
  chunks.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
  if (body.stream_options?.include_usage === true) chunks.push(chunk([], { usage }));
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of [...chunks.map((value) => JSON.stringify(value)), '[DONE]']) {
    res.write(`data: ${event}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return (content as Array<{ type: string; text?: string }>).filter((part) => part.type === 'text').map((part) => part.text).join('');
}
