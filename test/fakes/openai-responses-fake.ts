import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest } from './fake-server.js';
import { refusedReasoningParameter } from './openai-reasoning-params.js';
import { recordedJson } from './recordings.js';

/** The model name that makes the Responses fake play one function-tool round trip. */
export const responsesToolRoundTripModel = 'responses-tool-round-trip';
export const responsesToolArguments = '{"location":"San Francisco"}';

/** The round trip's answer to a function output: quotes it, so a test sees that it arrived. */
export function responsesRoundTripAnswer(output: string): string {
  return `The function said: ${output}`;
}

interface ChatCompletionCapture {
  choices: Array<{ message: { content: string } }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** Any other model answers with the text and usage of the chat capture `openai/openai-text`. */
export function responsesTextAnswer() {
  const capture = recordedJson<ChatCompletionCapture>('openai/openai-text');
  return { text: capture.choices[0]!.message.content, inputTokens: capture.usage.prompt_tokens, outputTokens: capture.usage.completion_tokens };
}

type Item = Record<string, any>;
interface StoredResponse {
  /** The conversation up to and including this response's output, as `previous_response_id` continues it. */
  items: Item[];
}

/** The real API keeps responses for 30 days; the fake keeps the latest few, enough for any test. */
const storedLimit = 1000;

/**
 * OpenAI's Responses API (`POST /v1/responses`, JSON or SSE with `event:`
 * lines and `sequence_number`s, no `[DONE]`), built from the shapes in
 * openai/resources/responses/responses.d.ts (no capture exists). Like the real
 * API it requires `model` and `input`, refuses a `function_call_output` whose
 * `call_id` no earlier `function_call` made, function tools without a name, a
 * `max_output_tokens` below 16, sampling parameters a reasoning model does not
 * take, and an unknown `previous_response_id`; it
 * keeps a response for `previous_response_id` unless the request says `store: false`.
 */
export function createResponsesHandler(): (req: ReceivedRequest, res: ServerResponse) => Promise<void> {
  const stored = new Map<string, StoredResponse>();
  let counter = 0;
  return async (req, res) => {
    const body = req.body;
    const previous = typeof body?.previous_response_id === 'string' ? stored.get(body.previous_response_id) : undefined;
    const invalid = invalidResponsesRequest(req, previous);
    if (invalid) return json(res, 400, { error: { message: invalid.message, type: 'invalid_request_error', param: invalid.param, code: invalid.code ?? null } });

    counter += 1;
    const conversation = [...(previous?.items ?? []), ...inputItems(body.input)];
    const response = answer(body, conversation, counter);
    if (body.store !== false) {
      stored.set(response.id, { items: [...conversation, ...response.output] });
      if (stored.size > storedLimit) stored.delete(stored.keys().next().value!);
    }
    if (body.stream !== true) return json(res, 200, response);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of responseEventsOf(response)) {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  };
}

function inputItems(input: unknown): Item[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return input as Item[];
}

const messageRoles = new Set(['user', 'assistant', 'system', 'developer']);
const contentTypes = new Set(['input_text', 'output_text', 'input_image', 'input_file', 'refusal']);

function invalidResponsesRequest(req: ReceivedRequest, previous: StoredResponse | undefined): { message: string; param: string | null; code?: string | null } | undefined {
  const body = req.body;
  if (req.headers['content-type'] !== 'application/json') return { message: 'content-type must be application/json', param: null };
  if (typeof body?.model !== 'string' || body.model === '') return { message: "Missing required parameter: 'model'.", param: 'model', code: 'missing_required_parameter' };
  if (body.input === undefined) return { message: "Missing required parameter: 'input'.", param: 'input', code: 'missing_required_parameter' };
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) return { message: "Invalid type for 'input': expected one of a string or an array of input items.", param: 'input', code: 'invalid_type' };
  // Reasoning models refuse the sampling parameters here as in Chat Completions (the Responses API has no max_tokens to rename).
  const refusal = refusedReasoningParameter(body);
  if (refusal) return { message: refusal.message, param: refusal.param, code: refusal.code };
  if (body.previous_response_id !== undefined && !previous) {
    return { message: `Previous response with id '${body.previous_response_id}' not found.`, param: 'previous_response_id', code: 'previous_response_not_found' };
  }
  if (body.max_output_tokens !== undefined && !(Number.isInteger(body.max_output_tokens) && body.max_output_tokens >= 16)) {
    return { message: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16.", param: 'max_output_tokens', code: 'integer_below_min_value' };
  }
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (tool.type === 'function' && (typeof tool.name !== 'string' || tool.name === '')) return { message: `Missing required parameter: 'tools[${index}].name'.`, param: `tools[${index}].name`, code: 'missing_required_parameter' };
  }
  const calls = new Set(previous?.items.filter((item) => item.type === 'function_call').map((item) => item.call_id));
  for (const [index, item] of (Array.isArray(body.input) ? body.input : []).entries()) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      if (!messageRoles.has(item.role)) return { message: `Invalid value: '${item.role}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`, param: `input[${index}].role`, code: 'invalid_value' };
      const parts = typeof item.content === 'string' ? [] : item.content;
      if (!Array.isArray(parts)) return { message: `Invalid type for 'input[${index}].content'.`, param: `input[${index}].content`, code: 'invalid_type' };
      const unknown = parts.find((part: { type: string }) => !contentTypes.has(part.type));
      if (unknown) return { message: `Invalid value: '${unknown.type}'.`, param: `input[${index}].content`, code: 'invalid_value' };
    } else if (type === 'function_call') {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string' || typeof item.arguments !== 'string') return { message: `Missing required parameter: 'input[${index}].call_id'.`, param: `input[${index}]`, code: 'missing_required_parameter' };
      calls.add(item.call_id);
    } else if (type === 'function_call_output') {
      if (!calls.has(item.call_id)) return { message: `No tool call found for function call output with call_id ${item.call_id}.`, param: 'input', code: null };
      if (typeof item.output !== 'string' && !Array.isArray(item.output)) return { message: `Invalid type for 'input[${index}].output'.`, param: `input[${index}].output`, code: 'invalid_type' };
    } else if (type === 'custom_tool_call') {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string' || typeof item.input !== 'string') return { message: `Missing required parameter: 'input[${index}].call_id'.`, param: `input[${index}]`, code: 'missing_required_parameter' };
      calls.add(item.call_id);
    } else if (type === 'custom_tool_call_output') {
      if (!calls.has(item.call_id)) return { message: `No tool call found for custom tool call output with call_id ${item.call_id}.`, param: 'input', code: null };
    } else if (type !== 'reasoning' && type !== 'item_reference') {
      return { message: `Invalid value: '${type}'.`, param: `input[${index}].type`, code: 'invalid_value' };
    }
  }
  return undefined;
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return (output as Array<{ type: string; text?: string }>).filter((part) => part.type === 'input_text').map((part) => part.text).join('');
}

function answer(body: Item, conversation: Item[], counter: number) {
  const id = `resp_fake${String(counter).padStart(8, '0')}`;
  const lastOutput = conversation.at(-1)?.type === 'function_call_output' ? conversation.at(-1) : undefined;
  let output: Item[];
  let usage: { input: number; output: number };
  if (body.model === responsesToolRoundTripModel && !lastOutput) {
    const name = (body.tools ?? []).find((tool: Item) => tool.type === 'function')?.name ?? 'weather';
    output = [{ id: `fc_fake${counter}`, type: 'function_call', status: 'completed', arguments: responsesToolArguments, call_id: `call_fake${counter}`, name }];
    usage = { input: 74, output: 18 };
  } else {
    const text = lastOutput ? responsesRoundTripAnswer(outputText(lastOutput.output)) : responsesTextAnswer().text;
    output = [{ id: `msg_fake${counter}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text }] }];
    usage = lastOutput ? { input: 97, output: 12 } : { input: responsesTextAnswer().inputTokens, output: responsesTextAnswer().outputTokens };
  }
  return {
    id,
    object: 'response',
    created_at: 1770933892,
    status: 'completed',
    background: false,
    completed_at: 1770933893,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: 'gpt-4.1-nano-2025-04-14',
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

type ResponsesObject = ReturnType<typeof answer>;

/** The events the real API streams for a response, each with its `sequence_number`. */
function responseEventsOf(response: ResponsesObject): Array<Record<string, unknown> & { type: string }> {
  const events: Array<Record<string, unknown> & { type: string }> = [];
  const inProgress = { ...response, status: 'in_progress', completed_at: null, output: [], usage: null };
  events.push({ type: 'response.created', response: inProgress }, { type: 'response.in_progress', response: inProgress });
  for (const [outputIndex, item] of response.output.entries()) {
    if (item.type === 'function_call') {
      events.push({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
      const middle = Math.floor(item.arguments.length / 2);
      for (const delta of [item.arguments.slice(0, middle), item.arguments.slice(middle)]) {
        events.push({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: outputIndex, delta });
      }
      events.push({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: outputIndex, arguments: item.arguments, name: item.name });
    } else {
      const part = item.content[0];
      events.push({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      events.push({ type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: 0, part: { ...part, text: '' } });
      const quarter = Math.ceil(part.text.length / 4);
      for (let start = 0; start < part.text.length; start += quarter) {
        events.push({ type: 'response.output_text.delta', item_id: item.id, output_index: outputIndex, content_index: 0, delta: part.text.slice(start, start + quarter), logprobs: [] });
      }
      events.push({ type: 'response.output_text.done', item_id: item.id, output_index: outputIndex, content_index: 0, text: part.text, logprobs: [] });
      events.push({ type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: 0, part });
    }
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  }
  events.push({ type: 'response.completed', response });
  return events.map((event, sequence) => ({ ...event, sequence_number: sequence }));
}
