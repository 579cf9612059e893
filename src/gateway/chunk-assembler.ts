import type { ChatChunk, ChatResponse, ToolCall } from '../core/types.js';

type Choice = ChatResponse['choices'][number];

/** Folds a stream's chunks into the response a non-streaming call would have returned. */
export class ChunkAssembler {
  private response: ChatResponse | undefined;
  private readonly choices = new Map<number, Choice>();

  add(chunk: ChatChunk): void {
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
        if (key === 'tool_calls') mergeToolCalls(choice.message, delta.tool_calls ?? []);
        else if (typeof value === 'string') message[key] = (typeof message[key] === 'string' ? message[key] : '') + value;
        else message[key] = value;
      }
    }
  }

  result(): ChatResponse | undefined {
    if (!this.response) return undefined;
    return { ...this.response, choices: [...this.choices.values()].sort((a, b) => a.index - b.index) };
  }
}

function mergeToolCalls(message: Choice['message'], deltas: NonNullable<ChatChunk['choices'][number]['delta']['tool_calls']>): void {
  const calls: ToolCall[] = (message.tool_calls ??= []);
  for (const delta of deltas) {
    let call = calls[delta.index];
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      calls[delta.index] = call;
    }
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.function.name += delta.function.name;
    if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
  }
}
