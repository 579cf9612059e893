import { existsSync } from 'node:fs';
import path from 'node:path';
import { json, startFakeServer, type FakeServer, type ReceivedRequest } from './fake-server.js';
import { anthropicToolRoundTrip, toolRoundTripModel } from './anthropic-tool-round-trip.js';
import { recordedChunks, recordedJson, recordingsDir } from './recordings.js';
import { isClaudeModel, refusedSampling } from './anthropic-sampling-params.js';

/** The versions official clients send: 2023-06-01 (Claude Code, older SDKs), 2026-10-21 (@anthropic-ai/sdk 1.x). */
const apiVersions = new Set(['2023-06-01', '2026-10-21']);

/**
 * Anthropic's Messages API, replaying the capture named by the request's model
 * (`model: "anthropic-text"` replays `anthropic/anthropic-text`, and so does a
 * real Claude model's name such as `claude-sonnet-4-5-20250929`; the model
 * `toolRoundTripModel` asks for a tool, then answers its result). Like the real
 * API it refuses requests without the key and version headers, without
 * `max_tokens`, with `temperature` or `top_p` outside 0..1 or both of them to a
 * model that takes only one (anthropic-sampling-params.ts), with roles that do
 * not alternate, with a `tool_use` and `tool_result` that are not paired, with
 * more than 4 `cache_control` breakpoints or one that is not `ephemeral` with a
 * `5m`/`1h` ttl, or with a malformed `thinking`. Like it, it accepts what Claude
 * Code sends: `role: "system"` messages inside `messages`, server tools and
 * `defer_loading`, `context_management`, `output_config`, and `?beta=true` on
 * the path.
 */
export function startAnthropicFake(options: { countTokens?: number } = {}): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (!req.headers['x-api-key']) return anthropicError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (!apiVersions.has(String(req.headers['anthropic-version']))) return anthropicError(res, 400, 'invalid_request_error', 'anthropic-version header is required');
    const route = req.path.split('?')[0];
    if (req.method === 'POST' && route === '/v1/messages/count_tokens') {
      const invalid = invalidMessages(req.body?.messages);
      if (invalid) return anthropicError(res, 400, 'invalid_request_error', invalid);
      return json(res, 200, { input_tokens: options.countTokens ?? 0 });
    }
    if (req.method !== 'POST' || route !== '/v1/messages') return anthropicError(res, 404, 'not_found_error', `${req.method} ${req.path} not found`);
    const invalid = invalidRequest(req);
    if (invalid) return anthropicError(res, 400, 'invalid_request_error', invalid);

    if (req.body.model === toolRoundTripModel) return anthropicToolRoundTrip(req, res);
    const recording = isClaudeModel(req.body.model) ? 'anthropic/anthropic-text' : `anthropic/${req.body.model}`;
    const kind = req.body.stream === true ? 'chunks.txt' : 'json';
    if (!existsSync(path.join(recordingsDir, `${recording}.${kind}`))) {
      return anthropicError(res, 404, 'not_found_error', `model: ${req.body.model}`);
    }
    if (req.body.stream !== true) return json(res, 200, recordedJson(recording));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const line of recordedChunks(recording)) {
      res.write(`event: ${JSON.parse(line).type}\ndata: ${line}\n\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  });
}

function anthropicError(res: Parameters<typeof json>[0], status: number, type: string, message: string): void {
  json(res, status, { type: 'error', error: { type, message } });
}

function invalidRequest(req: ReceivedRequest): string | undefined {
  const body = req.body;
  if (typeof body?.model !== 'string') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  const refused = refusedSampling(body);
  if (refused) return refused;
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: Input should be a valid list';
  for (const tool of body.tools ?? []) {
    const serverTool = tool.type !== undefined && tool.type !== 'custom';
    if (typeof tool.name !== 'string' || (!serverTool && typeof tool.input_schema !== 'object')) return 'tools: each tool needs a name and an input_schema';
    if (tool.defer_loading !== undefined && typeof tool.defer_loading !== 'boolean') return 'tools.defer_loading: Input should be a valid boolean';
  }
  const invalidThinking = invalidThinkingConfig(body);
  if (invalidThinking) return invalidThinking;
  if (body.tool_choice && !['auto', 'any', 'tool', 'none'].includes(body.tool_choice.type)) return 'tool_choice.type: invalid';
  return invalidMessages(body.messages) ?? invalidCacheControl(body);
}

function invalidThinkingConfig(body: ReceivedRequest['body']): string | undefined {
  const thinking = body.thinking;
  if (thinking === undefined) return undefined;
  if (!['enabled', 'disabled', 'adaptive'].includes(thinking?.type)) return "thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'";
  if (thinking.type !== 'enabled') return undefined;
  if (!Number.isInteger(thinking.budget_tokens) || thinking.budget_tokens < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
  if (thinking.budget_tokens >= body.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  return undefined;
}

/** Anthropic's own limit and message for prompt-caching breakpoints. */
function invalidCacheControl(body: ReceivedRequest['body']): string | undefined {
  const blocks: any[] = [...(body.tools ?? []), ...(Array.isArray(body.system) ? body.system : [])];
  for (const message of body.messages) {
    for (const block of Array.isArray(message.content) ? message.content : []) {
      blocks.push(block);
      if (block.type === 'tool_result' && Array.isArray(block.content)) blocks.push(...block.content);
    }
  }
  const marked = blocks.filter((block) => block.cache_control !== undefined);
  for (const { cache_control: cacheControl } of marked) {
    if (cacheControl?.type !== 'ephemeral') return 'cache_control.type: Input should be \'ephemeral\'';
    if (cacheControl.ttl !== undefined && !['5m', '1h'].includes(cacheControl.ttl)) return "cache_control.ttl: Input should be '5m' or '1h'";
  }
  if (marked.length > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${marked.length}.`;
  return undefined;
}

function invalidMessages(messages: unknown): string | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'system') continue;
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (!Array.isArray(blocks) || !blocks.every((block: { type: string; text?: unknown }) => block.type === 'text' && typeof block.text === 'string')) {
      return `messages.${index}: system messages hold only text`;
    }
  }
  return invalidTurns(messages.filter((message: { role: string }) => message.role !== 'system'));
}

/** The conversation's user and assistant turns (indices count those turns). */
function invalidTurns(messages: any[]): string | undefined {
  if (messages.length === 0) return 'messages: at least one message is required';
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    if (index === 0 && message.role !== 'user') return 'messages: first message must use the "user" role';
    if (index > 0 && messages[index - 1].role === message.role) return 'messages: roles must alternate between "user" and "assistant"';
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${index}: content must be non-empty`;
    for (const block of blocks) {
      if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) return `messages.${index}: text content blocks must be non-empty`;
      if (block.type === 'tool_use' && message.role !== 'assistant') return `messages.${index}: tool_use blocks belong to assistant messages`;
      if (block.type === 'tool_result' && message.role !== 'user') return `messages.${index}: tool_result blocks belong to user messages`;
      if (block.type === 'image' && !['base64', 'url'].includes(block.source?.type)) return `messages.${index}: invalid image source`;
    }
    const toolUses = blocks.filter((block: { type: string }) => block.type === 'tool_use').map((block: { id: string }) => block.id);
    if (toolUses.length > 0) {
      const next = messages[index + 1];
      const answered = new Set(Array.isArray(next?.content) ? next.content.filter((b: { type: string }) => b.type === 'tool_result').map((b: { tool_use_id: string }) => b.tool_use_id) : []);
      const missing = toolUses.find((id: string) => !answered.has(id));
      if (missing) return `messages.${index + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing}`;
    }
    const results = blocks.filter((block: { type: string }) => block.type === 'tool_result');
    if (results.length > 0) {
      const previous = messages[index - 1];
      const asked = new Set(Array.isArray(previous?.content) ? previous.content.filter((b: { type: string }) => b.type === 'tool_use').map((b: { id: string }) => b.id) : []);
      const unpaired = results.find((result: { tool_use_id: string }) => !asked.has(result.tool_use_id));
      if (unpaired) return `messages.${index}: unexpected tool_use_id found in tool_result blocks: ${unpaired.tool_use_id}`;
      if (blocks[0].type !== 'tool_result') return `messages.${index}: tool_result blocks must come first`;
    }
  }
  return undefined;
}
