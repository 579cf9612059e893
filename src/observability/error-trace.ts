/** Where an error was thrown, not what it says: messages such as JSON.parse's quote their input, which may be the prompt. */
export function withoutMessage(error: unknown): { type: string; stack: string[] } {
  const type = error instanceof Error ? error.name : typeof error;
  const frames = error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => line.trimStart().startsWith('at ')) : [];
  return { type, stack: frames.slice(0, 8).map((line) => line.trim()) };
}
