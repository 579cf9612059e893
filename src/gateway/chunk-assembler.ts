import type { StreamCaptureBudget } from '../cache/stream-capture-budget.js';
import type { ChatChunk, ChatResponse, ToolCall, ToolCallDelta } from '../core/types.js';

type Choice = ChatResponse['choices'][number];

/** A choice's tool calls: in the order they began, and the one each stream index is filling now. */
interface ToolCalls {
  ordered: ToolCall[];
  byIndex: Map<number, ToolCall>;
}

/**
 * Folds a stream's chunks into the response a non-streaming call would have
 * returned. Indexes are the provider's to choose, so they key maps rather than
 * arrays (an index of 30 million is one entry, not 30 million holes), and a new
 * id on an index already in use starts another call. Past `maxCharacters` of
 * text it stops and has no result: what it would keep is larger than its user
 * (the cache) would take. With a `budget`, what it keeps (two bytes a
 * character) is also taken from it, and past what the budget has left it stops
 * the same way; `release` gives it back.
 */
export class ChunkAssembler {
  private response: ChatResponse | undefined;
  private readonly choices = new Map<number, Choice>();
  private readonly toolCalls = new Map<number, ToolCalls>();
  private characters = 0;
  private tooLarge = false;
  private takenBytes = 0;

  constructor(
    private readonly maxCharacters = Number.POSITIVE_INFINITY,
    private readonly budget?: StreamCaptureBudget,
  ) {}

  add(chunk: ChatChunk): void {
    if (this.tooLarge) return;
    this.response ??= { id: chunk.id, object: 'chat.completion', created: chunk.created, model: chunk.model, choices: [] };
    if (chunk.usage) this.response.usage = chunk.usage;
    for (const { index, delta, finish_reason } of chunk.choices) {
      let choice = this.choices.get(index);
      if (!choice) {
        choice = { index, message: { role: 'assistant', content: null }, finish_reason: null };
        this.choices.set(index, choice);
      }
      if (finish_reason) choice.finish_reason = finish_reason;
      const message = choice.message as Record<string, unknown>;
      for (const [key, value] of Object.entries(delta)) {
        if (key === 'role' || value === null || value === undefined) continue;
        if (key === 'tool_calls') this.addToolCalls(index, delta.tool_calls ?? []);
        else if (typeof value === 'string') {
          this.count(value);
          message[key] = (typeof message[key] === 'string' ? message[key] : '') + value;
        } else message[key] = value;
      }
    }
  }

  result(): ChatResponse | undefined {
    if (!this.response || this.tooLarge) return undefined;
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    for (const choice of choices) {
      const calls = this.toolCalls.get(choice.index)?.ordered;
      if (calls) choice.message.tool_calls = calls;
    }
    return { ...this.response, choices };
  }

  private addToolCalls(choiceIndex: number, deltas: ToolCallDelta[]): void {
    let calls = this.toolCalls.get(choiceIndex);
    if (!calls) {
      calls = { ordered: [], byIndex: new Map() };
      this.toolCalls.set(choiceIndex, calls);
    }
    for (const delta of deltas) {
      let call = calls.byIndex.get(delta.index);
      if (!call || (delta.id && call.id && delta.id !== call.id)) {
        call = { id: '', type: 'function', function: { name: '', arguments: '' } };
        calls.ordered.push(call);
        calls.byIndex.set(delta.index, call);
      }
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.function.name += delta.function.name;
      if (delta.function?.arguments) {
        this.count(delta.function.arguments);
        call.function.arguments += delta.function.arguments;
      }
    }
  }

  /** Gives back to the budget what the assembled text took from it: once the result has been stored, or dropped. */
  release(): void {
    this.budget?.give(this.takenBytes);
    this.takenBytes = 0;
  }

  private count(text: string): void {
    this.characters += text.length;
    if (this.characters <= this.maxCharacters && this.fitsBudget(text.length * 2)) return;
    this.tooLarge = true;
    this.choices.clear();
    this.toolCalls.clear();
    this.release();
  }

  private fitsBudget(bytes: number): boolean {
    if (!this.budget) return true;
    if (!this.budget.take(bytes)) return false;
    this.takenBytes += bytes;
    return true;
  }
}
