import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';

/**
 * Scripted providers for the agent CLI tests (Claude Code, Codex): one per API
 * (Anthropic Messages, OpenAI chat completions, OpenAI Responses), each
 * validating what the real API would refuse and streaming the real API's
 * events. All three play the same script: a prompt naming `shellCommand` gets a
 * call of the shell tool the request offers; a request that carries a tool
 * result gets a text quoting it; any other prompt gets `plainAnswer`.
 */

export const shellCommand = 'echo tokenpak-tool-ok';
export const shellOutput = 'tokenpak-tool-ok';
export const plainPrompt = 'Say hello.';
export const plainAnswer = 'Hello from the scripted fake.';
export const toolPrompt = `Run the shell command \`${shellCommand}\` and tell me what it printed.`;
export const toolAnswer = `The command printed ${shellOutput}.`;

/** The shell tools the CLIs offer (Claude Code: Bash; Codex 0.171.0: exec_command, other versions: shell), each with the input it takes. */
const shellToolInputs: Record<string, Record<string, unknown>> = {
  Bash: { command: shellCommand, description: 'Print the TokenPak marker' },
  exec_command: { cmd: shellCommand },
  shell: { command: ['bash', '-lc', shellCommand] },
};

/** What the script reads from a request, whatever its API. */
interface Conversation {
  userTexts: string[];
  toolResults: string[];
  toolNames: string[];
}

type Turn = { type: 'text'; text: string } | { type: 'tool'; id: string; name: string; input: Record<string, unknown> };

function nextTurn({ userTexts, toolResults, toolNames }: Conversation, toolCallId: string): Turn {
  if (toolResults.length > 0) {
    return { type: 'text', text: toolResults.some((result) => result.includes(shellOutput)) ? toolAnswer : `No tool result contained ${shellOutput}.` };
  }
  if (!userTexts.some((text) => text.includes(shellCommand))) return { type: 'text', text: plainAnswer };
  const name = Object.keys(shellToolInputs).find((candidate) => toolNames.includes(candidate));
  if (!name) return { type: 'text', text: `No shell tool among the tools offered: ${toolNames.join(', ')}.` };
  return { type: 'tool', id: toolCallId, name, input: shellToolInputs[name]! };
}

const usage = { input: 120, output: 12 };

/** Text blocks' text joined; a string content is its own text. */
function textOf(content: unknown, textType: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((part) => part?.type === textType).map((part) => String(part.text)).join('');
}

function halves(text: string): string[] {
  const middle = Math.floor(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

/** Writes each SSE frame in its own write, yielding between them, so that the stream really arrives in pieces. */
async function writeSse(res: ServerResponse, frames: string[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    res.write(frame);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

type SseEvent = { type: string } & Record<string, unknown>;

const namedEvent = (event: SseEvent) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

function anthropicError(res: ServerResponse, status: number, type: string, message: string): void {
  json(res, status, { type: 'error', error: { type, message } });
}

/** What the real Messages API refuses with 400, as far as these tests can reach: the essentials, and what Claude Code sends accepted. */
function invalidMessagesRequest(body: any): string | undefined {
  if (typeof body?.model !== 'string') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  for (const [index, tool] of (body.tools ?? []).entries()) {
    const serverTool = tool.type !== undefined && tool.type !== 'custom';
    if (typeof tool.name !== 'string' || (!serverTool && typeof tool.input_schema !== 'object')) return `tools.${index}: a name and an input_schema are required`;
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const turns: any[] = [];
  for (const [index, message] of body.messages.entries()) {
    if (message.role === 'system') {
      if (textOf(message.content, 'text') === '') return `messages.${index}: system messages hold text`;
    } else if (message.role === 'user' || message.role === 'assistant') {
      turns.push(message);
    } else {
      return `messages.${index}.role: Input should be 'user', 'assistant' or 'system'`;
    }
  }
  const breakpoints = JSON.stringify(body).split('"cache_control":').length - 1;
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  return invalidTurns(turns);
}

function blocksOf(message: any): any[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

/** Roles alternate from a user turn; every tool_use is answered by a tool_result in the next turn, and only then. */
function invalidTurns(turns: any[]): string | undefined {
  if (turns[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (const [index, turn] of turns.entries()) {
    if (index > 0 && turns[index - 1].role === turn.role) return 'messages: roles must alternate between "user" and "assistant"';
    const blocks = blocksOf(turn);
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${index}: content must be non-empty`;
    if (blocks.some((block) => block.type === 'text' && !block.text)) return `messages.${index}: text content blocks must be non-empty`;
    const asked: string[] = index > 0 ? blocksOf(turns[index - 1]).filter((block) => block.type === 'tool_use').map((block) => block.id) : [];
    const answered: string[] = blocks.filter((block) => block.type === 'tool_result').map((block) => block.tool_use_id);
    const unanswered = asked.find((id) => !answered.includes(id));
    if (unanswered) return `messages.${index}: tool_use ids were found without tool_result blocks immediately after: ${unanswered}`;
    const unasked = answered.find((id) => !asked.includes(id));
    if (unasked) return `messages.${index}: unexpected tool_use_id found in tool_result blocks: ${unasked}`;
  }
  return undefined;
}

function anthropicConversation(body: any): Conversation {
  const userTexts: string[] = [];
  const toolResults: string[] = [];
  for (const message of body.messages) {
    if (message.role !== 'user') continue;
    userTexts.push(textOf(message.content, 'text'));
    for (const block of blocksOf(message)) if (block.type === 'tool_result') toolResults.push(textOf(block.content, 'text'));
  }
  return { userTexts, toolResults, toolNames: (body.tools ?? []).map((tool: { name: string }) => tool.name) };
}

function anthropicEvents(turn: Turn, model: string): SseEvent[] {
  const block: SseEvent[] =
    turn.type === 'text'
      ? [
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          { type: 'ping' },
          ...halves(turn.text).map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
        ]
      : [
          { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: turn.id, name: turn.name, input: {} } },
          ...['', ...halves(JSON.stringify(turn.input))].map((partial_json) => ({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json } })),
        ];
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_01ScriptedAgentFake00000001',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    },
    ...block,
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: turn.type === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } },
    { type: 'message_stop' },
  ];
}

/** Anthropic's Messages API (`POST /v1/messages`, `?beta=true` allowed), streams only: both CLIs always stream. */
export function startScriptedAnthropicFake(): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (!req.headers['x-api-key']) return anthropicError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (req.headers['anthropic-version'] !== '2023-06-01') return anthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (req.method !== 'POST' || req.path.split('?')[0] !== '/v1/messages') return anthropicError(res, 404, 'not_found_error', `${req.method} ${req.path} not found`);
    const invalid = invalidMessagesRequest(req.body);
    if (invalid) return anthropicError(res, 400, 'invalid_request_error', invalid);
    if (req.body.stream !== true) return anthropicError(res, 400, 'invalid_request_error', 'this scripted fake answers streams only');
    const turn = nextTurn(anthropicConversation(req.body), 'toolu_01ScriptedShellCall00001');
    await writeSse(res, anthropicEvents(turn, req.body.model).map(namedEvent));
  });
}

function openAIError(res: ServerResponse, status: number, message: string, param: string | null = null): void {
  json(res, status, { error: { message, type: 'invalid_request_error', param, code: null } });
}

/** The real API's 400s that a translated agent conversation can reach: no empty arrays, each assistant tool call answered by a tool message, and no tool message without one. */
function invalidChatRequest(req: ReceivedRequest): string | undefined {
  const body = req.body;
  if (req.headers['content-type'] !== 'application/json') return 'content-type must be application/json';
  if (typeof body?.model !== 'string') return 'you must provide a model parameter';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "Missing required parameter: 'messages'.";
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (tool.type !== 'function' || typeof tool.function?.name !== 'string') return `Missing required parameter: 'tools[${index}].function.name'.`;
  }
  let pending: string[] = [];
  for (const [index, message] of body.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(message.role)) return `Invalid value: '${message.role}'. messages[${index}].role`;
    for (const field of ['content', 'tool_calls']) {
      if (Array.isArray(message[field]) && message[field].length === 0) return `Invalid 'messages[${index}].${field}': empty array. Expected an array with minimum length 1, but got an empty array instead.`;
    }
    if (message.role === 'tool') {
      if (!pending.includes(message.tool_call_id)) return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. messages[${index}]`;
      pending = pending.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (pending.length > 0) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`;
    pending = message.role === 'assistant' ? (message.tool_calls ?? []).map((call: { id: string }) => call.id) : [];
  }
  return undefined;
}

function chatConversation(body: any): Conversation {
  return {
    userTexts: body.messages.filter((message: any) => message.role === 'user').map((message: any) => textOf(message.content, 'text')),
    toolResults: body.messages.filter((message: any) => message.role === 'tool').map((message: any) => textOf(message.content, 'text')),
    toolNames: (body.tools ?? []).map((tool: any) => tool.function.name),
  };
}

function chatChunks(turn: Turn, model: string, includeUsage: boolean): object[] {
  const chunk = (delta: object, finishReason: string | null = null) => ({
    id: 'chatcmpl-ScriptedAgentFake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const deltas =
    turn.type === 'text'
      ? halves(turn.text).map((content) => chunk({ content }))
      : [
          chunk({ tool_calls: [{ index: 0, id: turn.id, type: 'function', function: { name: turn.name, arguments: '' } }] }),
          ...halves(JSON.stringify(turn.input)).map((fragment) => chunk({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })),
        ];
  const usageChunk = {
    ...chunk({}),
    choices: [],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
  return [chunk({ role: 'assistant', content: '' }), ...deltas, chunk({}, turn.type === 'tool' ? 'tool_calls' : 'stop'), ...(includeUsage ? [usageChunk] : [])];
}

/** An OpenAI-format chat completions provider (`POST .../chat/completions`), streams only. */
export function startScriptedChatFake(): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) return json(res, 401, { error: { message: 'You didn\'t provide an API key.', type: 'invalid_request_error', param: null, code: null } });
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) return json(res, 404, { error: { message: `${req.method} ${req.path} not found` } });
    const invalid = invalidChatRequest(req);
    if (invalid) return openAIError(res, 400, invalid);
    if (req.body.stream !== true) return openAIError(res, 400, 'this scripted fake answers streams only', 'stream');
    const turn = nextTurn(chatConversation(req.body), 'call_ScriptedShellCall0001');
    const chunks = chatChunks(turn, req.body.model, req.body.stream_options?.include_usage === true);
    await writeSse(res, [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n']);
  });
}

/** Input items; a string input is one user message. */
function inputItems(input: unknown): any[] {
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : (input as any[]);
}

/** The real API's 400s that a tool loop can reach: a function output must answer a function call made earlier in the input. */
function invalidResponsesRequest(body: any): { message: string; param: string } | undefined {
  if (typeof body?.model !== 'string') return { message: "Missing required parameter: 'model'.", param: 'model' };
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) return { message: "Missing required parameter: 'input'.", param: 'input' };
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (tool.type === 'function' && typeof tool.name !== 'string') return { message: `Missing required parameter: 'tools[${index}].name'.`, param: `tools[${index}].name` };
  }
  const calls = new Set<string>();
  for (const [index, item] of inputItems(body.input).entries()) {
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type === 'function_call_output' && !calls.has(item.call_id)) return { message: `No tool call found for function call output with call_id ${item.call_id}.`, param: `input[${index}]` };
  }
  return undefined;
}

function responsesConversation(body: any): Conversation {
  const items = inputItems(body.input);
  const messages = items.filter((item) => (item.type === undefined || item.type === 'message') && item.role === 'user');
  return {
    userTexts: messages.map((item) => textOf(item.content, 'input_text')),
    toolResults: items.filter((item) => item.type === 'function_call_output').map((item) => textOf(item.output, 'input_text')),
    toolNames: (body.tools ?? []).filter((tool: any) => tool.type === 'function').map((tool: any) => tool.name),
  };
}

/** The output item, and the events that stream it before its `response.output_item.done`. */
function responsesItem(turn: Turn): { item: Record<string, unknown> & { id: string }; events: SseEvent[] } {
  if (turn.type === 'tool') {
    const item = { type: 'function_call', id: 'fc_ScriptedAgentFake0001', call_id: turn.id, name: turn.name, arguments: JSON.stringify(turn.input), status: 'completed' };
    const at = { item_id: item.id, output_index: 0 };
    return {
      item,
      events: [
        { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } },
        ...halves(item.arguments).map((delta) => ({ type: 'response.function_call_arguments.delta', ...at, delta })),
        { type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: item.arguments },
      ],
    };
  }
  const part = { type: 'output_text', text: turn.text, annotations: [] };
  const item = { type: 'message', id: 'msg_ScriptedAgentFake0001', role: 'assistant', status: 'completed', content: [part] };
  const at = { item_id: item.id, output_index: 0, content_index: 0 };
  return {
    item,
    events: [
      { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
      { type: 'response.content_part.added', ...at, part: { ...part, text: '' } },
      ...halves(part.text).map((delta) => ({ type: 'response.output_text.delta', ...at, delta, logprobs: [] })),
      { type: 'response.output_text.done', ...at, text: part.text, logprobs: [] },
      { type: 'response.content_part.done', ...at, part },
    ],
  };
}

function responsesEvents(turn: Turn, body: any): SseEvent[] {
  const { item, events: itemEvents } = responsesItem(turn);
  const response = {
    id: 'resp_ScriptedAgentFake0001',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: body.model,
    output: [item],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    store: body.store ?? true,
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
  };
  const inProgress = { ...response, status: 'in_progress', output: [], usage: null };
  const events: SseEvent[] = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    ...itemEvents,
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response },
  ];
  return events.map((event, sequence_number) => ({ ...event, sequence_number }));
}

/** OpenAI's Responses API (`POST .../responses`), streams only, with `event:` lines and `sequence_number`s and no `[DONE]`. */
export function startScriptedResponsesFake(): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) return json(res, 401, { error: { message: 'You didn\'t provide an API key.', type: 'invalid_request_error', param: null, code: null } });
    if (req.method !== 'POST' || !req.path.endsWith('/responses')) return json(res, 404, { error: { message: `${req.method} ${req.path} not found` } });
    const invalid = invalidResponsesRequest(req.body);
    if (invalid) return openAIError(res, 400, invalid.message, invalid.param);
    if (req.body.stream !== true) return openAIError(res, 400, 'this scripted fake answers streams only', 'stream');
    const turn = nextTurn(responsesConversation(req.body), 'call_ScriptedShellCall0001');
    await writeSse(res, responsesEvents(turn, req.body).map(namedEvent));
  });
}
