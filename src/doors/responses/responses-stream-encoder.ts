import type { GatewayError } from '../../core/errors.js';
import type { ChatChunk, ChatMessage, FinishReason, ToolCall, ToolCallDelta, Usage } from '../../core/types.js';
import { completeArguments, functionCallItem, messageItem, outputItemId, outputTextPart, reasoningItem, refusalPart, type ItemStatus } from './output-items.js';
import { responseObject, statusOfFinish, type ResponsesEncodeOptions, type ResponseStatus } from './response-object.js';
import { assistantTurn } from './response-output-messages.js';

type PartKind = 'output_text' | 'refusal';
interface ReasoningState { kind: 'reasoning'; id: string; outputIndex: number; text: string; done?: Record<string, unknown> }
interface MessageState { kind: 'message'; id: string; outputIndex: number; parts: Array<{ kind: PartKind; text: string }>; done?: Record<string, unknown> }
interface CallState { kind: 'function_call'; id: string; outputIndex: number; call: ToolCall; done?: Record<string, unknown> }
type ItemState = ReasoningState | MessageState | CallState;

/**
 * Canonical chat chunks → the Responses stream, as SSE frames. Reasoning and
 * text items close as soon as other output begins; tool calls stay open until
 * the finish, since a provider may interleave the argument fragments of
 * parallel calls. A new id on an index already in use starts a new call, as
 * some OpenAI-compatible servers number parallel calls all 0. The final event
 * carries the whole response, usage included
 * (from the usage chunk that follows the finish).
 */
export class ResponsesStreamEncoder {
  private sequence = 0;
  private model: string;
  private readonly items: ItemState[] = [];
  /** The reasoning or message item receiving deltas; at most one at a time. */
  private current: ReasoningState | MessageState | undefined;
  /** The latest call on each tool call index: the one its fragments without an id continue. */
  private readonly calls = new Map<number, CallState>();
  private finishReason: FinishReason | null = null;
  private usage: Usage | undefined;
  private started = false;
  private completed = false;

  constructor(private readonly options: ResponsesEncodeOptions) {
    this.model = typeof options.request.model === 'string' ? options.request.model : '';
  }

  async *events(chunks: AsyncIterable<ChatChunk>): AsyncGenerator<string> {
    for await (const chunk of chunks) {
      // The first chunk names the model that answers; every event reports that one.
      if (!this.started) {
        if (chunk.model) this.model = chunk.model;
        yield* this.startFrames();
      }
      if (chunk.usage) this.usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const { delta } = choice;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') yield* this.reasoningDelta(delta.reasoning_content);
      if (typeof delta.content === 'string' && delta.content !== '') yield* this.messageDelta('output_text', delta.content);
      if (typeof delta.refusal === 'string' && delta.refusal !== '') yield* this.messageDelta('refusal', delta.refusal);
      for (const call of delta.tool_calls ?? []) yield* this.toolCallDelta(call);
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        yield* this.closeAll();
      }
    }
    if (!this.started) yield* this.startFrames();
    yield* this.closeAll();
    this.completed = true;
    const status = statusOfFinish(this.finishReason);
    yield this.frame(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: this.response(status) });
  }

  /**
   * The event that ends a stream that failed, numbered after the events
   * already sent; after `response.created` when the failure came first, since
   * clients (the openai SDK's stream helper) reject a stream that starts otherwise.
   */
  failedFrame(error: GatewayError): string {
    const opening = this.started ? '' : this.startFrames().join('');
    const code = error.code ?? (error.status === 429 ? 'rate_limit_exceeded' : 'server_error');
    return opening + this.frame('response.failed', { response: this.response('failed', { code, message: error.message }) });
  }

  /** The output items the stream produced, as its final event listed them; empty unless the stream completed. */
  outputItems(): Array<Record<string, unknown>> {
    if (!this.completed) return [];
    return this.items.flatMap((item) => (item.done ? [item.done] : []));
  }

  /** The assistant turn the stream produced, for the conversation store; empty unless the stream completed. */
  outputMessages(): ChatMessage[] {
    if (!this.completed) return [];
    let text = '';
    let reasoning = '';
    const toolCalls: ToolCall[] = [];
    for (const item of this.items) {
      if (item.kind === 'reasoning') reasoning += reasoning === '' ? item.text : `\n\n${item.text}`;
      else if (item.kind === 'message') text += item.parts.filter((part) => part.kind === 'output_text').map((part) => part.text).join('');
      else toolCalls.push(item.call);
    }
    return [assistantTurn(text, toolCalls, reasoning)];
  }

  private startFrames(): string[] {
    this.started = true;
    return [
      this.frame('response.created', { response: this.response('in_progress') }),
      this.frame('response.in_progress', { response: this.response('in_progress') }),
    ];
  }

  private *reasoningDelta(text: string): Generator<string> {
    let item = this.current;
    if (item?.kind !== 'reasoning') {
      yield* this.closeCurrent();
      item = this.open({ kind: 'reasoning', id: this.nextId('rs'), outputIndex: this.items.length, text: '' });
      yield this.frame('response.output_item.added', { output_index: item.outputIndex, item: reasoningItem(item.id, '') });
      yield this.frame('response.reasoning_summary_part.added', { ...this.summaryPlace(item), part: { type: 'summary_text', text: '' } });
    }
    item.text += text;
    yield this.frame('response.reasoning_summary_text.delta', { ...this.summaryPlace(item), delta: text });
  }

  private *messageDelta(kind: PartKind, text: string): Generator<string> {
    let item = this.current;
    if (item?.kind !== 'message') {
      yield* this.closeCurrent();
      item = this.open({ kind: 'message', id: this.nextId('msg'), outputIndex: this.items.length, parts: [] });
      yield this.frame('response.output_item.added', { output_index: item.outputIndex, item: messageItem(item.id, 'in_progress', []) });
    }
    let part = item.parts.at(-1);
    if (part?.kind !== kind) {
      if (part) yield* this.closePart(item);
      part = { kind, text: '' };
      item.parts.push(part);
      yield this.frame('response.content_part.added', { ...this.partPlace(item), part: contentPart(kind, '') });
    }
    part.text += text;
    const deltaFields = kind === 'output_text' ? { delta: text, logprobs: [] } : { delta: text };
    yield this.frame(kind === 'output_text' ? 'response.output_text.delta' : 'response.refusal.delta', { ...this.partPlace(item), ...deltaFields });
  }

  private *toolCallDelta(delta: ToolCallDelta): Generator<string> {
    let item = this.calls.get(delta.index);
    if (!item || (delta.id !== undefined && delta.id !== item.call.id)) {
      yield* this.closeCurrent();
      const outputIndex = this.items.length;
      const call: ToolCall = {
        id: delta.id ?? `call_${this.nextId('fc')}`,
        type: 'function',
        function: { name: delta.function?.name ?? '', arguments: '' },
      };
      item = { kind: 'function_call', id: this.nextId('fc'), outputIndex, call };
      this.items.push(item);
      this.calls.set(delta.index, item);
      yield this.frame('response.output_item.added', { output_index: outputIndex, item: functionCallItem(item.id, 'in_progress', call) });
    }
    const fragment = delta.function?.arguments;
    if (fragment) {
      item.call.function.arguments += fragment;
      yield this.frame('response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta: fragment });
    }
  }

  private *closeAll(): Generator<string> {
    yield* this.closeCurrent();
    for (const item of this.items) {
      if (item.kind !== 'function_call' || item.done) continue;
      if (item.call.function.arguments === '') {
        item.call.function.arguments = completeArguments('');
        yield this.frame('response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta: item.call.function.arguments });
      }
      const { name, arguments: args } = item.call.function;
      yield this.frame('response.function_call_arguments.done', { item_id: item.id, output_index: item.outputIndex, name, arguments: args });
      yield* this.finishItem(item, functionCallItem(item.id, this.itemStatus(), item.call));
    }
  }

  private *closeCurrent(): Generator<string> {
    const item = this.current;
    if (!item) return;
    this.current = undefined;
    if (item.kind === 'reasoning') {
      yield this.frame('response.reasoning_summary_text.done', { ...this.summaryPlace(item), text: item.text });
      yield this.frame('response.reasoning_summary_part.done', { ...this.summaryPlace(item), part: { type: 'summary_text', text: item.text } });
      yield* this.finishItem(item, reasoningItem(item.id, item.text));
    } else {
      yield* this.closePart(item);
      const content = item.parts.map((part) => contentPart(part.kind, part.text));
      yield* this.finishItem(item, messageItem(item.id, this.itemStatus(), content));
    }
  }

  private *closePart(item: MessageState): Generator<string> {
    const part = item.parts.at(-1);
    if (!part) return;
    const doneFields = part.kind === 'output_text' ? { text: part.text, logprobs: [] } : { refusal: part.text };
    yield this.frame(part.kind === 'output_text' ? 'response.output_text.done' : 'response.refusal.done', { ...this.partPlace(item), ...doneFields });
    yield this.frame('response.content_part.done', { ...this.partPlace(item), part: contentPart(part.kind, part.text) });
  }

  private *finishItem(item: ItemState, done: Record<string, unknown>): Generator<string> {
    item.done = done;
    yield this.frame('response.output_item.done', { output_index: item.outputIndex, item: done });
  }

  private open<T extends ReasoningState | MessageState>(item: T): T {
    this.items.push(item);
    this.current = item;
    return item;
  }

  private nextId(prefix: 'rs' | 'msg' | 'fc'): string {
    return outputItemId(prefix, this.options.id, this.items.length);
  }

  private itemStatus(): ItemStatus {
    return statusOfFinish(this.finishReason) === 'incomplete' ? 'incomplete' : 'completed';
  }

  private summaryPlace(item: ReasoningState): Record<string, unknown> {
    return { item_id: item.id, output_index: item.outputIndex, summary_index: 0 };
  }

  private partPlace(item: MessageState): Record<string, unknown> {
    return { item_id: item.id, output_index: item.outputIndex, content_index: item.parts.length - 1 };
  }

  private response(status: ResponseStatus, error?: { code: string; message: string }): Record<string, unknown> {
    const output = this.items.flatMap((item) => (item.done ? [item.done] : []));
    return responseObject(this.options, { status, finishReason: this.finishReason, model: this.model, output, usage: this.usage, error });
  }

  private frame(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...fields })}\n\n`;
  }
}

function contentPart(kind: PartKind, text: string): Record<string, unknown> {
  return kind === 'output_text' ? outputTextPart(text) : refusalPart(text);
}
