/** What an application would read from a captured stream: text, finish reason, final usage, tool arguments. */
export function summariseRecordedChunks(lines: string[]) {
  let text = '';
  let finishReason: string | null = null;
  let usage: unknown;
  const toolArguments: string[] = [];
  for (const line of lines) {
    const chunk = JSON.parse(line);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      text += choice.delta?.content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) toolArguments[call.index] = (toolArguments[call.index] ?? '') + (call.function?.arguments ?? '');
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  return { text, finishReason, usage, toolArguments };
}
