import { GatewayError } from '../../core/errors.js';
import type { AnthropicCacheControl, AnthropicRequest } from './wire-types.js';

/** Anthropic refuses (400) a request with more `cache_control` blocks than this. */
export const maxCacheBreakpoints = 4;

const invalidCacheControl = '"cache_control" must be {"type": "ephemeral"}, optionally with "ttl": "5m" or "1h".';

/** A client's `cache_control` on a content part or a tool, as Anthropic takes it; undefined when there is none. */
export function readCacheControl(value: unknown, param: string): AnthropicCacheControl | undefined {
  if (value === undefined || value === null) return undefined;
  const { type, ttl } = value as { type?: unknown; ttl?: unknown };
  if (typeof value !== 'object' || type !== 'ephemeral') throw new GatewayError(400, invalidCacheControl, { param });
  if (ttl === undefined) return { type };
  if (ttl !== '5m' && ttl !== '1h') throw new GatewayError(400, invalidCacheControl, { param: `${param}.ttl` });
  return { type, ttl };
}

/**
 * Keeps the last `maxCacheBreakpoints` breakpoints in Anthropic's prompt order
 * (tools, system, messages) and removes the earlier ones: the later a
 * breakpoint, the longer the prefix it caches. Returns how many it removed.
 */
export function keepLastCacheBreakpoints(body: AnthropicRequest): number {
  const marked: Array<{ cache_control?: AnthropicCacheControl }> = [];
  for (const tool of body.tools ?? []) if (tool.cache_control) marked.push(tool);
  for (const block of body.system ?? []) if (block.cache_control) marked.push(block);
  for (const message of body.messages) {
    for (const block of message.content) if (block.cache_control) marked.push(block);
  }
  const extra = Math.max(0, marked.length - maxCacheBreakpoints);
  for (const block of marked.slice(0, extra)) delete block.cache_control;
  return extra;
}
