import type { ChatMessage } from '../core/types.js';

/**
 * The index before which tool outputs are elided: that of the `turns`-th user
 * message from the end (0, eliding nothing, when there are fewer).
 */
export function elisionBoundary(messages: readonly ChatMessage[], turns: number): number {
  let userMessagesSeen = 0;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]?.role === 'user' && ++userMessagesSeen === turns) return index;
  }
  return 0;
}

export function isToolOutput(message: ChatMessage): boolean {
  return message.role === 'tool' || message.role === 'function';
}

/** What stands in for an elided tool output: fixed apart from the length, so a turn's prefix is the same every time it is resent. */
export function elidedToolOutputPlaceholder(characters: number): string {
  return `[tool output elided by TokenPak: ${characters} characters]`;
}
