import { GatewayError } from '../../core/errors.js';
import { maxStreamEventBytes } from '../../core/sse/stream-limits.js';
import type { ChatChunk, FinishReason, ToolCallDelta, Usage } from '../../core/types.js';
import { messageIdOf } from './encode-messages-response.js';
import { messagesErrorBody } from './messages-error.js';
import { toMessagesUsage, zeroMessagesUsage } from './messages-usage.js';
import { toMessagesStopReason } from './to-messages-stop-reason.js';

export interface MessagesStreamOptions {
  /** The model to report when the chunks do not name one. */
  model: string;
  /** The message id; `msg_` is put in front unless it is there. */
  id: string;
}

/** One complete Server-Sent Event, as Anthropic frames them: the event name repeats the payload's `type`. */
function frame(type: string, payload: object): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/**
 * Canonical chunks → an Anthropic Messages event stream: `message_start` and
 * `ping`, then one content block at a time (thinking, text or a tool call,
 * each opened, filled with deltas and closed before the next), then
 * `message_delta` with the stop reason and the usage of the stream's final
 * chunk, then `message_stop`. Frames are yielded as the chunks arrive.
 */
export class MessagesStreamEncoder {
  readonly #model: string;
  readonly #id: string;

  constructor({ model, id }: MessagesStreamOptions) {
    this.#model = model;
    this.#id = messageIdOf(id);
  }

  /** The `error` event a stream that fails after it started ends with. */
  static errorFrame(error: GatewayError): string {
    return frame('error', messagesErrorBody(error));
  }

  async *events(chunks: AsyncIterable<ChatChunk>): AsyncGenerator<string> {
    const blocks = new ContentBlocks(this.#id);
    let started = false;
    let finishReason: FinishReason | null = null;
    let usage: Usage | undefined;
    let refused = false;
    let calledTools = false;
    for await (const chunk of chunks) {
      if (!started) {
        started = true;
        yield* this.#start(typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : this.#model);
      }
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      finishReason = choice.finish_reason ?? finishReason;
      const { delta } = choice;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') yield* blocks.thinking(delta.reasoning_content);
      if (typeof delta.content === 'string' && delta.content !== '') yield* blocks.text(delta.content);
      // Anthropic has no refusal block: its refusals are text with stop_reason `refusal`.
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        refused = true;
        yield* blocks.text(delta.refusal);
      }
      for (const call of delta.tool_calls ?? []) {
        calledTools = true;
        yield* blocks.toolCall(call);
      }
    }
    if (!started) yield* this.#start(this.#model);
    yield* blocks.close();
    yield frame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: toMessagesStopReason(finishReason, { refused, calledTools }), stop_sequence: null },
      usage: toMessagesUsage(usage),
    });
    yield frame('message_stop', { type: 'message_stop' });
  }

  *#start(model: string): Generator<string> {
    yield frame('message_start', {
      type: 'message_start',
      message: {
        id: this.#id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...zeroMessagesUsage },
      },
    });
    yield frame('ping', { type: 'ping' });
  }
}

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool_use'; index: number; toolIndex: number; id: string };
/** A tool call that began while another one's block was open: its block is written whole once that one closes. */
interface HeldCall {
  toolIndex: number;
  id: string;
  name: string;
  input: string;
}

/**
 * The content blocks of one message: at most one open, numbered in the order
 * they start. Blocks follow one another, so while one tool call streams, the
 * fragments of other calls (parallel calls, which some servers interleave) are
 * held and each written as a whole block when the open one closes. What is
 * held is bounded, so an upstream cannot make the gateway buffer without end.
 */
class ContentBlocks {
  #open: OpenBlock | undefined;
  #held: HeldCall[] = [];
  #heldBytes = 0;
  #count = 0;
  readonly #messageId: string;

  constructor(messageId: string) {
    this.#messageId = messageId;
  }

  *text(text: string): Generator<string> {
    const index = yield* this.#ensure('text', { type: 'text', text: '' });
    yield delta(index, { type: 'text_delta', text });
  }

  *thinking(thinking: string): Generator<string> {
    const index = yield* this.#ensure('thinking', { type: 'thinking', thinking: '', signature: '' });
    yield delta(index, { type: 'thinking_delta', thinking });
  }

  /**
   * A tool call fragment. A new index starts a new call; so does a new id on
   * the same index, which some OpenAI-compatible servers send for parallel calls.
   */
  *toolCall(call: ToolCallDelta): Generator<string> {
    const fragment = call.function?.arguments ?? '';
    const open = this.#openToolBlock(call);
    if (open !== undefined) {
      if (fragment) yield delta(open, { type: 'input_json_delta', partial_json: fragment });
      return;
    }
    if (this.#open?.kind === 'tool_use') {
      const held = this.#heldCall(call);
      this.#hold(fragment);
      held.input += fragment;
      return;
    }
    const index = yield* this.#startToolUse(call);
    if (fragment) yield delta(index, { type: 'input_json_delta', partial_json: fragment });
  }

  /** The index of the open block when the fragment continues its tool call. */
  #openToolBlock(call: ToolCallDelta): number | undefined {
    const open = this.#open;
    if (open?.kind !== 'tool_use' || open.toolIndex !== call.index) return undefined;
    return call.id === undefined || call.id === open.id ? open.index : undefined;
  }

  #heldCall(call: ToolCallDelta): HeldCall {
    const held = this.#held.findLast((candidate) => candidate.toolIndex === call.index && (call.id === undefined || call.id === candidate.id));
    if (held) return held;
    const started = { toolIndex: call.index, id: this.#toolId(call), name: call.function?.name ?? '', input: '' };
    this.#hold(started.id);
    this.#hold(started.name);
    this.#held.push(started);
    return started;
  }

  /** Counts text about to be held against the bound; past it the stream ends with an error. */
  #hold(text: string): void {
    this.#heldBytes += Buffer.byteLength(text);
    if (this.#heldBytes > maxStreamEventBytes) {
      throw new GatewayError(502, 'the provider streamed more tool-call arguments than the gateway holds (8 MiB)', { code: 'upstream_response_too_large' });
    }
  }

  *#startToolUse(call: ToolCallDelta): Generator<string, number> {
    yield* this.close();
    const id = this.#toolId(call);
    const index = this.#count++;
    this.#open = { kind: 'tool_use', index, toolIndex: call.index, id };
    yield frame('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id, name: call.function?.name ?? '', input: {} },
    });
    return index;
  }

  #toolId(call: ToolCallDelta): string {
    return call.id ?? `toolu_${this.#messageId.slice('msg_'.length)}_${call.index}`;
  }

  /** Closes the open block, then writes the tool calls held while it was open. */
  *close(): Generator<string> {
    if (this.#open) {
      yield frame('content_block_stop', { type: 'content_block_stop', index: this.#open.index });
      this.#open = undefined;
    }
    this.#heldBytes = 0;
    for (const held of this.#held.splice(0)) {
      const index = this.#count++;
      yield frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: held.id, name: held.name, input: {} } });
      if (held.input) yield delta(index, { type: 'input_json_delta', partial_json: held.input });
      yield frame('content_block_stop', { type: 'content_block_stop', index });
    }
  }

  /** The open block of this kind, or a new one started after closing any other; answers its index. */
  *#ensure(kind: 'text' | 'thinking', contentBlock: Record<string, unknown>): Generator<string, number> {
    if (this.#open?.kind === kind) return this.#open.index;
    yield* this.close();
    const index = this.#count++;
    this.#open = { kind, index };
    yield frame('content_block_start', { type: 'content_block_start', index, content_block: contentBlock });
    return index;
  }
}

function delta(index: number, payload: Record<string, unknown>): string {
  return frame('content_block_delta', { type: 'content_block_delta', index, delta: payload });
}
