// Token counts the billing fakes charge: o200k (gpt-tokenizer) of each block's text, additive per block, so
// that an accounting which counts text the same way can agree with the bill to the token.
import { createHash } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

/** What Anthropic's and this fake's image blocks are charged, whatever their size. */
export const imageTokens = 1600;

export const tokensOfText = (text) => (text ? countTokens(text) : 0);

/** The text a content block is charged for (Anthropic block shapes; tool_result content may be a string or blocks). */
export function tokensOfAnthropicBlock(block) {
  switch (block.type) {
    case 'text':
      return tokensOfText(block.text);
    case 'image':
      return imageTokens;
    case 'tool_use':
      return tokensOfText(block.name + JSON.stringify(block.input ?? {}));
    case 'tool_result':
      if (typeof block.content === 'string') return tokensOfText(block.content);
      return (block.content ?? []).reduce((sum, part) => sum + tokensOfAnthropicBlock(part), 0);
    case 'thinking':
      return tokensOfText(block.thinking);
    default:
      return tokensOfText(JSON.stringify(withoutCacheControl(block)));
  }
}

export function withoutCacheControl(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  const copy = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'cache_control') copy[key] = withoutCacheControl(inner);
  return copy;
}

/** The hash of a prefix extended by one more unit (a block, a tool or a message), as a cache entry's identity. */
export function extendPrefixHash(previous, unit) {
  return createHash('sha256').update(previous).update('\u0000').update(JSON.stringify(unit)).digest('hex');
}
