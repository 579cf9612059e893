import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../core/types.js';
import { elidedToolOutputPlaceholder, elisionBoundary } from './elide-old-tool-outputs.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const tool = (content: string): ChatMessage => ({ role: 'tool', content, tool_call_id: 'call' });

describe('elisionBoundary', () => {
  const messages = [user('one'), tool('a'), user('two'), tool('b'), user('three'), tool('c')];

  it('is the index of the N-th user message from the end', () => {
    expect(elisionBoundary(messages, 1)).toBe(4);
    expect(elisionBoundary(messages, 2)).toBe(2);
    expect(elisionBoundary(messages, 3)).toBe(0);
  });

  it('is 0 (nothing elided) when there are fewer user messages than N', () => {
    expect(elisionBoundary(messages, 4)).toBe(0);
  });
});

describe('elidedToolOutputPlaceholder', () => {
  it('depends only on the length it was given', () => {
    expect(elidedToolOutputPlaceholder(1234)).toBe('[tool output elided by TokenPak: 1234 characters]');
  });
});
